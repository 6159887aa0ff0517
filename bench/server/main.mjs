/**
 * Signaling server load benchmark (`npm run bench:server`): real socket.io-client connections
 * from worker processes against one Peerboard server process on 127.0.0.1, then the same load
 * against a bare Socket.IO relay (bench/server/floor.mjs, the floor). Prints one JSON summary
 * on stdout (progress on stderr) and writes it to bench/results/<ISO date>-server.json.
 *
 *   node scripts/bench-server.mjs [--sockets=10000] [--rooms=2500] [--workers=4]
 *                                 [--rate=2000] [--seconds=10] [--quick]
 *
 * Peerboard runs with its real validation, rate limits and caps, but the caps are raised
 * explicitly: every socket comes from 127.0.0.1, and the default 100 sockets per address would
 * refuse all but the first 100. Per-socket rate limits stay at their defaults.
 */
import { fork, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../tests/helpers/chromium.mjs'
import { round, summarize } from '../lib/stats.mjs'
import { machineFacts } from '../lib/machine.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const arg = (/** @type {string} */ name, /** @type {number} */ fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`))
  return found ? Number(found.slice(name.length + 3)) : fallback
}
const quick = process.argv.includes('--quick')
const settings = {
  sockets: arg('sockets', quick ? 2000 : 10_000),
  rooms: arg('rooms', quick ? 500 : 2500),
  workers: arg('workers', 4),
  ratePerSecond: arg('rate', 2000),
  rateSeconds: arg('seconds', quick ? 5 : 10),
  maxSeconds: arg('max-seconds', quick ? 5 : 8),
  /** In-flight signals per worker in the closed-loop (ceiling) phase. */
  window: arg('window', 200),
  connectConcurrency: 100,
  joinConcurrency: 200,
}
const TARGETS = { sockets: 10_000, rooms: 2500, p99Ms: 50, atRate: 2000, maxFloorRatio: 1.5 }
/**
 * Past this the run stops everything it started and writes what it measured so far. On a
 * loaded 2-core machine, connecting 10,000 sockets alone can take minutes per server.
 */
const HARD_LIMIT_MS = arg('limit-min', 25) * 60_000

const started = Date.now()
const log = (/** @type {string} */ message) =>
  process.stderr.write(`[bench:server ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`)

/** @type {(() => void)[]} */
const stops = []
const stopAll = () => {
  for (const stop of stops.splice(0).reverse()) {
    try {
      stop()
    } catch {
      // already gone
    }
  }
}
/** @type {Record<string, unknown>} what each finished server measured, for an interrupted run */
const finished = {}
/** @param {string} why @param {number} code */
function abandon(why, code) {
  log(`${why}: stopping`)
  stopAll()
  if (Object.keys(finished).length > 0) {
    writeSummary({ interrupted: why, date: new Date().toISOString(), settings, ...finished })
  }
  process.exit(code)
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => abandon(signal, 130))
}
setTimeout(() => abandon('hard limit reached', 2), HARD_LIMIT_MS).unref()

/** @param {Record<string, unknown> & { date: string }} summary */
function writeSummary(summary) {
  const dir = path.join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const name = `${summary.date.replace(/:/g, '-')}-server${quick ? '-quick' : ''}.json`
  const file = path.join(dir, name)
  const text = JSON.stringify(summary, null, 2)
  writeFileSync(file, `${text}\n`)
  log(`wrote ${path.relative(ROOT, file)}`)
  return text
}

/** Resident memory of a process, from /proc (Linux). */
function rssBytes(/** @type {number} */ pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return kb === undefined ? null : Number(kb) * 1024
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux). */
function cpuSeconds(/** @type {number} */ pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function waitHttp(
  /** @type {string} */ url,
  /** @type {import('node:child_process').ChildProcess} */ child,
) {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode})`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** @param {'peerboard' | 'floor'} kind @param {number} port */
function startServer(kind, port) {
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    // See the header: one address, so the per-address cap must allow the whole load.
    MAX_CONNECTIONS_PER_IP: String(settings.sockets * 2),
    MAX_CONNECTIONS: String(settings.sockets * 2),
    MAX_ROOMS: String(settings.rooms * 2),
    LOG_LEVEL: 'info',
  }
  const entry =
    kind === 'peerboard'
      ? path.join(ROOT, 'dist/server/server/src/main.js')
      : path.join(ROOT, 'bench/server/floor.mjs')
  // Logs go to /dev/null: written (pino is synchronous) but not kept.
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  stops.push(() => child.kill('SIGKILL'))
  return child
}

function startWorkers() {
  return Array.from({ length: settings.workers }, () => {
    const child = fork(path.join(ROOT, 'bench/server/worker.mjs'), { stdio: 'inherit' })
    stops.push(() => child.kill('SIGKILL'))
    let nextId = 0
    /** @type {Map<number, (value: any) => void>} */
    const pending = new Map()
    child.on('message', (/** @type {any} */ message) => {
      const resolve = pending.get(message.id)
      pending.delete(message.id)
      resolve?.(message)
    })
    return {
      child,
      /** @param {string} phase @param {unknown} job */
      run: (phase, job) =>
        new Promise((resolve, reject) => {
          const id = nextId++
          pending.set(id, (message) =>
            message.ok ? resolve(message.result) : reject(new Error(message.error)),
          )
          child.send({ id, phase, job })
        }),
    }
  })
}

/** @param {'peerboard' | 'floor'} kind */
async function measure(kind) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const server = startServer(kind, port)
  const pid = /** @type {number} */ (server.pid)
  await waitHttp(kind === 'peerboard' ? `${url}/healthz` : url, server)
  const workers = startWorkers()
  const perRoom = Math.round(settings.sockets / settings.rooms)
  const roomIds = Array.from({ length: settings.rooms }, (_, i) => `bench-room-${i}`)
  const share = (/** @type {number} */ w) => roomIds.filter((_, i) => i % settings.workers === w)
  const all = (/** @type {string} */ phase, /** @type {(w: number) => unknown} */ job) =>
    Promise.all(workers.map((worker, w) => worker.run(phase, job(w))))

  await new Promise((resolve) => setTimeout(resolve, 500))
  const rssBefore = rssBytes(pid)
  log(`${kind}: connecting ${settings.sockets} sockets`)
  const connectStart = Date.now()
  const connects = /** @type {any[]} */ (
    await all('connect', (w) => ({
      url,
      roomIds: share(w),
      perRoom,
      concurrency: settings.connectConcurrency,
    }))
  )
  const connectS = (Date.now() - connectStart) / 1000
  const connected = connects.reduce((sum, r) => sum + r.connected, 0)
  const connectErrors = connects.map((r) => r.errors)
  log(`${kind}: ${connected} connected in ${connectS.toFixed(1)} s; joining`)

  const joinStart = Date.now()
  const joins = /** @type {any[]} */ (
    await all('join', (w) => ({ roomIds: share(w), concurrency: settings.joinConcurrency }))
  )
  const joinS = (Date.now() - joinStart) / 1000
  const joined = joins.reduce((sum, r) => sum + r.joined, 0)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const rssHeld = rssBytes(pid)
  let serverSockets = null
  if (kind === 'peerboard') {
    const text = await (await fetch(`${url}/metrics`)).text()
    serverSockets = Number(/^peerboard_sockets (\d+)$/m.exec(text)?.[1] ?? NaN)
  }
  log(`${kind}: ${joined} joined in ${joinS.toFixed(1)} s; relaying ${settings.ratePerSecond}/s`)

  const cpuBeforeRate = cpuSeconds(pid)
  const rateStart = Date.now()
  const rates = /** @type {any[]} */ (
    await all('rate', () => ({
      perSecond: settings.ratePerSecond / settings.workers,
      durationMs: settings.rateSeconds * 1000,
    }))
  )
  const rateCpu = (cpuSeconds(pid) - cpuBeforeRate) / ((Date.now() - rateStart) / 1000)
  const latencies = rates.flatMap((r) => r.latencies)
  const rateSent = rates.reduce((sum, r) => sum + r.sent, 0)
  log(`${kind}: closed loop for ${settings.maxSeconds} s`)
  const maxes = /** @type {any[]} */ (
    await all('max', () => ({ window: settings.window, durationMs: settings.maxSeconds * 1000 }))
  )
  const rssAfter = rssBytes(pid)
  await all('close', () => ({}))
  for (const worker of workers) worker.child.kill('SIGTERM')
  server.kill('SIGKILL')

  const held = rssHeld !== null && rssBefore !== null ? rssHeld - rssBefore : null
  return {
    socketsRequested: settings.sockets,
    socketsHeld: connected,
    socketsSeenByServer: serverSockets,
    connectFailures: settings.sockets - connected,
    connectErrorsPerWorker: connectErrors,
    connectsPerSecond: round(connected / connectS, 0),
    joined,
    joinFailures: connected - joined,
    joinsPerSecond: round(joined / joinS, 0),
    relayAtRate: {
      targetPerSecond: settings.ratePerSecond,
      achievedPerSecond: round(rateSent / settings.rateSeconds, 0),
      sent: rateSent,
      lost: rates.reduce((sum, r) => sum + r.lost, 0),
      refused: rates.reduce((sum, r) => sum + r.refused, 0),
      ackErrors: rates.reduce((sum, r) => sum + r.ackErrors, 0),
      latencyMs: summarize(latencies, 2),
      serverCpuCores: round(rateCpu, 2),
    },
    relayCeiling: {
      inFlight: settings.window * settings.workers,
      perSecond: round(
        maxes.reduce((sum, r) => sum + r.perSecond, 0),
        0,
      ),
      refused: maxes.reduce((sum, r) => sum + r.refused, 0),
      ackErrors: maxes.reduce((sum, r) => sum + r.ackErrors, 0),
    },
    memory: {
      serverRssBeforeMiB: rssBefore === null ? null : round(rssBefore / 2 ** 20, 1),
      serverRssHeldMiB: rssHeld === null ? null : round(rssHeld / 2 ** 20, 1),
      serverRssAfterLoadMiB: rssAfter === null ? null : round(rssAfter / 2 ** 20, 1),
      perSocketKiB: held === null || connected === 0 ? null : round(held / connected / 1024, 1),
    },
  }
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/server/server/src/main.js'))) {
    throw new Error(
      'dist/server is missing: run `npm run build:server` (npm run bench:server does)',
    )
  }
  const loadAtStart = os.loadavg()[0] ?? 0
  const peerboard = await measure('peerboard')
  finished.peerboard = peerboard
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const floor = await measure('floor')
  const p99 = peerboard.relayAtRate.latencyMs.p99 ?? null
  const ratio = floor.relayCeiling.perSecond / Math.max(1, peerboard.relayCeiling.perSecond)
  return {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: {
      ...machineFacts(),
      openFilesLimit: process.env.PEERBOARD_BENCH_NOFILE ?? null,
      loadAverageAtStart: round(loadAtStart, 2),
      loadAverageAtEnd: round(os.loadavg()[0] ?? 0, 2),
    },
    settings,
    method: {
      load: `${settings.workers} worker processes, each holding whole rooms of ${Math.round(settings.sockets / settings.rooms)} sockets (socket.io-client over WebSocket, one Manager per socket); connect, then join, with bounded concurrency`,
      relayAtRate: `open loop: ${settings.ratePerSecond} signals/s in total for ${settings.rateSeconds} s between random room-mates, ~300-character payloads with acks; latency = receive − send on the same process clock`,
      relayCeiling: `closed loop: ${settings.window} signals in flight per worker for ${settings.maxSeconds} s; signals delivered per second`,
      memory: 'server RSS with every socket joined minus RSS before the first connect, per socket',
      peerboardConfig:
        'real validation, per-socket rate limits at their defaults, caps raised to 2x the load (all sockets share 127.0.0.1), LOG_LEVEL=info to /dev/null',
      floor:
        'bench/server/floor.mjs: bare Socket.IO relay, same events and ping settings, no validation, limits or logs',
    },
    peerboard,
    floor,
    targets: {
      sockets: {
        target: `${TARGETS.sockets} concurrent sockets in ${TARGETS.rooms} rooms`,
        measured: peerboard.joined,
        met: peerboard.joined >= TARGETS.sockets,
      },
      p99Latency: {
        target: `p99 relay latency < ${TARGETS.p99Ms} ms at ${TARGETS.atRate} signals/s`,
        measuredMs: p99,
        atPerSecond: peerboard.relayAtRate.achievedPerSecond,
        met: p99 !== null && p99 < TARGETS.p99Ms && settings.ratePerSecond >= TARGETS.atRate,
      },
      throughput: {
        target: `relay ceiling within ${TARGETS.maxFloorRatio}x of the floor`,
        floorOverPeerboard: round(ratio, 2),
        met: ratio <= TARGETS.maxFloorRatio,
      },
    },
  }
}

let exitCode = 0
try {
  const summary = await main()
  process.stdout.write(`${writeSummary(summary)}\n`)
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  exitCode = 1
} finally {
  stopAll()
}
process.exit(exitCode)
