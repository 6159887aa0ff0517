/**
 * One load-generator process for `npm run bench:server`: holds a share of the sockets (whole
 * rooms, so sender and receiver of every signal share this process's clock) and runs the
 * phases the runner asks for over IPC. Every request carries an acknowledgement, as the app's.
 */
import { performance } from 'node:perf_hooks'
import { io } from 'socket.io-client'

/** Padding to the size of a sealed trickled ICE candidate (~300 base64url characters). */
const PAD = 'A'.repeat(280)
const ACK_TIMEOUT_MS = 30_000

/** @typedef {{ socket: import('socket.io-client').Socket, self: string | null }} Member */
/** @type {Member[][]} members per room */
let rooms = []
/** @type {((data: string) => void) | null} what to do with a received signal */
let onSignal = null

/** @param {unknown} message */
const send = (message) => process.send?.(message)

/**
 * Runs `task` over `items` with at most `limit` in flight.
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<void>} task
 */
async function pool(items, limit, task) {
  let next = 0
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(/** @type {T} */ (items[next++]))
  })
  await Promise.all(runners)
}

/** @param {{ url: string, roomIds: string[], perRoom: number, concurrency: number }} job */
async function connect({ url, roomIds, perRoom, concurrency }) {
  rooms = roomIds.map(() => [])
  const slots = roomIds.flatMap((_, room) => Array.from({ length: perRoom }, () => room))
  let failed = 0
  /** @type {Record<string, number>} */
  const errors = {}
  const started = performance.now()
  await pool(slots, concurrency, async (room) => {
    // A starved load generator must not turn into connect timeouts that the server never caused.
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 60_000,
    })
    socket.on('signal', (event) => onSignal?.(event.data))
    const ok = await new Promise((resolve) => {
      socket.once('connect', () => resolve(true))
      socket.once('connect_error', (error) => {
        errors[error.message] = (errors[error.message] ?? 0) + 1
        resolve(false)
      })
    })
    if (ok) rooms[room]?.push({ socket, self: null })
    else {
      failed += 1
      socket.close()
    }
  })
  return { connected: slots.length - failed, failed, errors, ms: performance.now() - started }
}

/** @param {{ roomIds: string[], concurrency: number }} job */
async function join({ roomIds, concurrency }) {
  /** @type {{ member: Member, room: string }[]} */
  const work = rooms.flatMap((members, i) =>
    members.map((member) => ({ member, room: /** @type {string} */ (roomIds[i]) })),
  )
  let failed = 0
  const started = performance.now()
  await pool(work, concurrency, async ({ member, room }) => {
    try {
      const ack = await member.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', { room })
      if (ack?.ok) member.self = ack.self
      else failed += 1
    } catch {
      failed += 1
    }
  })
  return { joined: work.length - failed, failed, ms: performance.now() - started }
}

/** A random ordered pair of joined members of a random room, or null. */
function randomPair() {
  for (let tries = 0; tries < 10; tries++) {
    const members = rooms[Math.floor(Math.random() * rooms.length)]?.filter((m) => m.self)
    if (!members || members.length < 2) continue
    const from = Math.floor(Math.random() * members.length)
    let to = Math.floor(Math.random() * (members.length - 1))
    if (to >= from) to += 1
    return { from: /** @type {Member} */ (members[from]), to: /** @type {Member} */ (members[to]) }
  }
  return null
}

/** @type {{ refused: number, errors: number }} */
const acks = { refused: 0, errors: 0 }

/** @param {Member} from @param {Member} to */
function sendSignal(from, to) {
  const data = `${performance.now().toFixed(3)}.${PAD}`
  from.socket
    .timeout(ACK_TIMEOUT_MS)
    .emitWithAck('signal', { to: to.self, data })
    .then(
      (ack) => {
        if (!ack?.ok) acks.refused += 1
      },
      () => (acks.errors += 1),
    )
}

/** Open loop at a fixed rate: the latency a steady load sees. */
async function rate(
  /** @type {{ perSecond: number, durationMs: number }} */ { perSecond, durationMs },
) {
  /** @type {number[]} */
  const latencies = []
  let received = 0
  onSignal = (data) => {
    received += 1
    latencies.push(performance.now() - Number.parseFloat(data))
  }
  acks.refused = 0
  acks.errors = 0
  let sent = 0
  const started = performance.now()
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started
      const due = Math.min(
        perSecond * (Math.min(elapsed, durationMs) / 1000),
        (perSecond * durationMs) / 1000,
      )
      while (sent < due) {
        const pair = randomPair()
        if (!pair) break
        sendSignal(pair.from, pair.to)
        sent += 1
      }
      if (elapsed >= durationMs) {
        clearInterval(timer)
        resolve(undefined)
      }
    }, 5)
  })
  // Stragglers: wait until everything arrived or 5 s passed.
  const drainUntil = performance.now() + 5000
  while (received < sent && performance.now() < drainUntil)
    await new Promise((r) => setTimeout(r, 20))
  onSignal = null
  return {
    sent,
    received,
    lost: sent - received,
    refused: acks.refused,
    ackErrors: acks.errors,
    latencies,
  }
}

/** Closed loop: `window` signals in flight, each arrival sends the next. The ceiling. */
async function max(/** @type {{ window: number, durationMs: number }} */ { window, durationMs }) {
  let received = 0
  let counting = true
  const fire = () => {
    const pair = randomPair()
    if (pair) sendSignal(pair.from, pair.to)
  }
  onSignal = () => {
    if (!counting) return
    received += 1
    fire()
  }
  acks.refused = 0
  acks.errors = 0
  const started = performance.now()
  for (let i = 0; i < window; i++) fire()
  await new Promise((resolve) => setTimeout(resolve, durationMs))
  counting = false
  const seconds = (performance.now() - started) / 1000
  onSignal = null
  // Let the last window land so it does not leak into the next phase.
  await new Promise((resolve) => setTimeout(resolve, 1000))
  return { received, perSecond: received / seconds, refused: acks.refused, ackErrors: acks.errors }
}

function close() {
  for (const members of rooms) for (const member of members) member.socket.close()
  rooms = []
  return { closed: true }
}

/** @type {Record<string, (job: any) => unknown>} */
const phases = { connect, join, rate, max, close }

process.on(
  'message',
  async (/** @type {{ id: number, phase: string, job: unknown }} */ message) => {
    try {
      const phase = phases[message.phase]
      if (!phase) throw new Error(`unknown phase ${message.phase}`)
      send({ id: message.id, ok: true, result: await phase(message.job) })
    } catch (error) {
      send({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  },
)
process.on('disconnect', () => process.exit(0))
