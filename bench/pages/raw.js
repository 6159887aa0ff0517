/**
 * Baseline (a), the floor: plain RTCPeerConnections (iceServers: []) with one ordered data
 * channel each, signaled through the runner's tiny WebSocket relay. Like Peerboard, the
 * newcomer dials every peer already in the room. Query: ?room=<name>&relay=<ws url>.
 *
 * Stroke mode (the floor): the sender only forwards each pointer event as it happens (one
 * message per event, no local drawing); the receiver draws each point on its canvas at once.
 */

const now = () => performance.timeOrigin + performance.now()
const params = new URLSearchParams(location.search)
const room = params.get('room') ?? 'bench'
const relayUrl = params.get('relay') ?? 'ws://127.0.0.1:0/relay'
const self = crypto.randomUUID()
const start = now()

/**
 * @typedef {object} Link
 * @property {RTCPeerConnection} pc
 * @property {RTCDataChannel | null} channel
 * @property {number} created
 * @property {number | null} open
 * @property {Promise<void>} queue
 */

/** @type {Map<string, Link>} */
const links = new Map()
const bench = {
  self,
  start,
  links,
  now,
  /** @type {((from: string, data: string | ArrayBuffer) => void) | null} */
  onmessage: null,
  times,
  openCount: () => [...links.values()].filter((link) => link.channel?.readyState === 'open').length,
  /** @param {string | Uint8Array} data */
  broadcast(data) {
    for (const link of links.values()) {
      if (link.channel?.readyState === 'open') link.channel.send(/** @type {any} */ (data))
    }
  },
  /** @param {string} peerId */
  connectionTo: (peerId) => links.get(peerId)?.pc ?? null,
}
Object.assign(window, { bench })

/** @type {WebSocket | null} */
let ws = null
/** @type {number | null} when the relay connection was opened (`?hold`: on `bench.join()`) */
let joinAt = null
function join() {
  if (ws) return
  joinAt = now()
  const socket = new WebSocket(relayUrl)
  ws = socket
  socket.addEventListener('open', () =>
    socket.send(JSON.stringify({ type: 'join', room, id: self })),
  )
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data))
    if (message.type === 'peers') for (const peerId of message.peers) void dial(peerId)
    else if (message.type === 'signal') onSignal(message.from, message.data)
  })
}
Object.assign(bench, { join })
if (!params.has('hold')) join()

/** @param {string} to @param {unknown} data */
function signal(to, data) {
  ws?.send(JSON.stringify({ type: 'signal', to, data }))
}

/** @param {string} peerId @returns {Link} */
function createLink(peerId) {
  const pc = new RTCPeerConnection({ iceServers: [] })
  /** @type {Link} */
  const link = { pc, channel: null, created: now(), open: null, queue: Promise.resolve() }
  links.set(peerId, link)
  pc.addEventListener('icecandidate', (event) => {
    if (event.candidate) signal(peerId, { candidate: event.candidate.toJSON() })
  })
  pc.addEventListener('datachannel', (event) => attach(peerId, link, event.channel))
  return link
}

/** @param {string} peerId @param {Link} link @param {RTCDataChannel} channel */
function attach(peerId, link, channel) {
  link.channel = channel
  channel.binaryType = 'arraybuffer'
  channel.addEventListener('open', () => (link.open ??= now()))
  channel.addEventListener('message', (event) => {
    receiveStroke(event.data)
    bench.onmessage?.(peerId, event.data)
  })
}

/** @param {string} peerId */
async function dial(peerId) {
  const link = createLink(peerId)
  attach(peerId, link, link.pc.createDataChannel('raw', { ordered: true }))
  await link.pc.setLocalDescription(await link.pc.createOffer())
  signal(peerId, { sdp: link.pc.localDescription?.toJSON() })
}

/** @param {string} from @param {{sdp?: RTCSessionDescriptionInit, candidate?: RTCIceCandidateInit}} data */
function onSignal(from, data) {
  let link = links.get(from)
  if (!link) {
    if (data.sdp?.type !== 'offer') return
    link = createLink(from)
  }
  const { pc } = link
  link.queue = link.queue.then(async () => {
    if (data.sdp) {
      await pc.setRemoteDescription(data.sdp)
      if (data.sdp.type === 'offer') {
        await pc.setLocalDescription(await pc.createAnswer())
        signal(from, { sdp: pc.localDescription?.toJSON() })
      }
    } else if (data.candidate) {
      await pc.addIceCandidate(data.candidate)
    }
  })
  link.queue.catch((error) => console.error('raw signal failed', error))
}

function times() {
  const out = {}
  for (const [id, link] of links)
    out[id] = { created: link.created, open: link.open, synced: link.open }
  return { timeOrigin: performance.timeOrigin, start, join: joinAt, links: out }
}

// --- stroke mode -------------------------------------------------------------------------

const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById('board'))
const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'))
function resize() {
  canvas.width = window.innerWidth
  canvas.height = window.innerHeight
  canvas.style.width = `${window.innerWidth}px`
  canvas.style.height = `${window.innerHeight}px`
}
resize()
window.addEventListener('resize', resize)

/** @type {{x: number, y: number} | null} */
let lastDrawn = null
/** @param {{x: number, y: number, down?: boolean}} point */
function draw(point) {
  context.strokeStyle = '#1e1e1e'
  context.fillStyle = '#1e1e1e'
  context.lineWidth = 4
  context.lineCap = 'round'
  context.lineJoin = 'round'
  context.beginPath()
  if (point.down || !lastDrawn) {
    context.arc(point.x, point.y, 2, 0, Math.PI * 2)
    context.fill()
  } else {
    context.moveTo(lastDrawn.x, lastDrawn.y)
    context.lineTo(point.x, point.y)
    context.stroke()
  }
  lastDrawn = point
}

/** @param {unknown} data */
function receiveStroke(data) {
  if (typeof data !== 'string' || !data.startsWith('{"s":')) return
  const { s } = JSON.parse(data)
  draw(s)
}

let drawing = false
canvas.addEventListener('pointerdown', (event) => {
  if (event.button !== 0) return
  drawing = true
  canvas.setPointerCapture(event.pointerId)
  bench.broadcast(JSON.stringify({ s: { x: event.offsetX, y: event.offsetY, down: true } }))
})
canvas.addEventListener('pointermove', (event) => {
  if (!drawing) return
  bench.broadcast(JSON.stringify({ s: { x: event.offsetX, y: event.offsetY } }))
})
canvas.addEventListener('pointerup', () => {
  drawing = false
})
