/**
 * Baseline (b): a Y.Doc shared through y-webrtc 10.3 with its own signaling server.
 * Query: ?room=<name>&signaling=<ws url>. Exposes `window.bench` for the runner.
 *
 * Per remote peer it records when y-webrtc created the connection, when simple-peer reported
 * it connected (data channel open) and when that peer's sync step 2 had been applied.
 */
import { WebrtcProvider } from 'y-webrtc'
import * as Y from 'yjs'

const now = () => performance.timeOrigin + performance.now()
const params = new URLSearchParams(location.search)
const room = params.get('room') ?? 'bench'
const signaling = params.get('signaling') ?? 'ws://127.0.0.1:4444'

/** @type {Map<string, {created: number, open: number | null, synced: number | null}>} */
const links = new Map()
/** @type {Map<string, any>} remote peer id → y-webrtc WebrtcConn */
const conns = new Map()

const doc = new Y.Doc()
const start = now()
/** @type {WebrtcProvider | null} */
let provider = null
/** @type {number | null} when the provider was created (`?hold`: on `bench.join()`) */
let joinAt = null
/** @type {Promise<void> | null} */
let hooked = null

function join() {
  if (provider) return
  joinAt = now()
  const created = new WebrtcProvider(room, doc, {
    signaling: [signaling],
    peerOpts: { config: { iceServers: [] } },
  })
  provider = created
  // The provider creates its Room once its (null) key promise settles, before any signaling
  // message can arrive; from then on every connection passes through room.webrtcConns.set.
  hooked = created.key.then(() => {
    const webrtcConns = /** @type {Map<string, any>} */ (created.room?.webrtcConns)
    const set = webrtcConns.set.bind(webrtcConns)
    webrtcConns.set = (peerId, conn) => {
      if (!conns.has(peerId) || conns.get(peerId) !== conn) watch(peerId, conn)
      return set(peerId, conn)
    }
  })
  Object.assign(window.bench, { provider, hooked })
}

/**
 * y-webrtc's own `conn.synced` is only set while the room as a whole is unsynced (it checks
 * `!room.synced`), so in a mesh of more than two it misses later links. Instead, a link counts
 * as synced when its sync step 2 (message [0 = sync, 1 = step 2, …]) has been handled: this
 * listener runs after y-webrtc's own 'data' listener, which applies the update.
 * @param {string} peerId
 * @param {any} conn
 */
function watch(peerId, conn) {
  conns.set(peerId, conn)
  const previous = links.get(peerId)
  // A replaced connection (glare, re-dial) starts over; only the one that works counts.
  const record = { created: previous?.created ?? now(), open: null, synced: null }
  links.set(peerId, record)
  conn.peer.on('connect', () => {
    if (conns.get(peerId) === conn) record.open ??= now()
  })
  conn.peer.on('data', (/** @type {Uint8Array} */ data) => {
    if (conns.get(peerId) === conn && data[0] === 0 && data[1] === 1) record.synced ??= now()
  })
}

function times() {
  return {
    timeOrigin: performance.timeOrigin,
    start,
    join: joinAt,
    links: Object.fromEntries([...links].map(([id, record]) => [id, { ...record }])),
  }
}

/** The RTCPeerConnection to a remote peer (simple-peer keeps it as `_pc`). */
function connectionTo(peerId) {
  return conns.get(peerId)?.peer?._pc ?? null
}

Object.assign(window, {
  bench: { Y, doc, provider, links, conns, times, connectionTo, hooked, now, join },
})
if (!params.has('hold')) join()
