/** The composition root: the only place that wires the modules together. */
import { mount } from 'svelte'
import { IndexeddbPersistence } from 'y-indexeddb'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import './app.css'
import { Board } from './board/board'
import { AudioSlots } from './net/audio-slots'
import { DocSync } from './net/doc-sync'
import { PeerMesh } from './net/mesh'
import { createRoomLink, formatRoomFragment, parseRoomFragment } from './net/room-link'
import { createSignalSealer, type SignalSealer } from './net/signal-crypto'
import { SocketSignaling } from './net/signaling-client'
import { createSimplePeerFactory } from './net/simple-peer-transport'
import { AppState } from './state/app.svelte'
import { loadIdentity } from './state/identity'
import { StoreBatcher } from './state/store-batcher'
import { readVoice, type PresenceState } from './state/presence'
import App from './ui/App.svelte'
import { VoiceChat, wantsAudio } from './voice/voice-chat'

function start(): void {
  // Marks let the benchmark time join → link open → synced without reaching into modules.
  performance.mark('peerboard:start')
  // Diagnosis: `/?relay#<room>.<key>` sends everything through TURN, to check a TURN setup from
  // a network where direct paths would work anyway.
  const params = new URLSearchParams(location.search)
  const relayOnly = params.has('relay')
  let room = parseRoomFragment(location.hash)
  if (!room) {
    room = createRoomLink()
    history.replaceState(null, '', `/${formatRoomFragment(room)}`)
  }
  // Opening another board's link in this tab starts a fresh session for it.
  window.addEventListener('hashchange', () => location.reload())

  const storage = safeLocalStorage()
  const identity = loadIdentity(storage)
  const doc = new Y.Doc()
  const board = new Board(doc)
  const awareness = new Awareness(doc)
  const presence: PresenceState = {
    user: identity,
    cursor: null,
    tool: 'pen',
    voice: { on: false, muted: false, speaking: false },
  }
  awareness.setLocalState(presence)

  const persistence = new IndexeddbPersistence(`peerboard/${room.roomId}`, doc)
  // Fed by DocSync instead (onUpdate), which keeps remote updates from being re-encoded, and
  // batched into a task of its own, after the update has gone out to peers.
  doc.off('update', persistence._storeUpdate)
  const store = new StoreBatcher((update) => persistence._storeUpdate(update, null))
  void persistence.whenSynced.then(() => performance.mark('peerboard:restored'))
  // Derived while the signaling socket connects; sealing waits for it only when first needed.
  const sealer = lazySealer(createSignalSealer(room.roomId, room.key))
  const signaling = new SocketSignaling({ room: room.roomId })
  const docSync = new DocSync(doc, awareness, {
    onSynced: (peerId) => {
      performance.mark(`peerboard:synced:${peerId}`)
      afterNetwork(() => app?.markNetworkSettled())
      // The board first, then the link's audio slot, ready before anyone joins voice.
      audioSlots.synced(peerId)
    },
    onLive: (peerId, payload, append) => {
      if (!board.live.receive(peerId, payload, append)) throw new Error('malformed live stroke')
    },
    referenceFor: () => board.live.commitReference(),
    resolveReference: (peerId, ref) => board.live.resolveReference(peerId, ref),
    onPeerAdded: (peerId) => board.live.snapshot().forEach((m) => docSync.sendLive(peerId, m)),
    onWarning: (peerId, reason) => console.warn(`peer ${peerId.slice(0, 6)}: ${reason}`),
    // What the store itself restored is stored already.
    onUpdate: (update, origin) => {
      if (origin !== persistence) store.add(update)
    },
  })
  board.live.connect((message, append) => docSync.broadcastLive(message, append))
  // A peer that vanished mid-stroke (its link not yet declared dead) leaves no stuck stroke.
  setInterval(() => board.live.prune(), 5000)
  // A link open but never synced would leave two people on different boards without a sign.
  setInterval(() => {
    const receiving = (peerId: string) => mesh.pendingChunks(peerId) > 0
    for (const peerId of docSync.retryStalled(performance.now(), receiving)) {
      console.warn(`peer ${peerId.slice(0, 6)}: no answer to our sync request yet, asking again`)
    }
  }, 1000)
  let app: AppState | null = null
  const audioSlots = new AudioSlots({
    prepare: (peerId) => mesh.audioTo(peerId)?.prepare(),
    busy: () =>
      mesh
        .peers()
        .some(
          (peer) =>
            peer.inRoom &&
            (peer.state === 'connecting' ||
              (peer.state === 'connected' && docSync.peer(peer.id)?.synced !== true)),
        ),
    wanted: (peerId) =>
      wantsAudio(readVoice(awareness.getLocalState())) ||
      wantsAudio(readVoice(docSync.presenceOf(peerId))),
  })
  awareness.on('change', () => audioSlots.settle())
  const mesh = new PeerMesh({
    signaling,
    sealer,
    createPeer: createSimplePeerFactory({}, relayOnly ? 'relay' : 'all'),
    events: {
      linkOpened: (link) => {
        performance.mark(`peerboard:link-open:${link.peerId}`)
        docSync.addPeer(link)
      },
      linkFrame: (peerId, frame) => docSync.peer(peerId)?.receive(frame),
      linkBadFrame: (peerId, reason) => docSync.peer(peerId)?.strike(reason),
      linkClosed: (peerId) => {
        audioSlots.forget(peerId)
        docSync.removePeer(peerId)
        board.live.dropPeer(peerId)
      },
      linkState: (peerId, state) => {
        if (state === 'reconnecting') docSync.suspendPeer(peerId)
        else docSync.resumePeer(peerId)
      },
      peersChanged: (peers) => {
        audioSlots.settle()
        afterNetwork(() => app?.onPeersChanged(peers))
      },
      signalingStatus: (status, error) => {
        if (status === 'joined') {
          performance.mark('peerboard:joined')
          // Alone in the room: nothing to wait for before painting.
          if (!mesh.peers().some((peer) => peer.inRoom))
            afterNetwork(() => app?.markNetworkSettled())
        }
        afterNetwork(() => app?.onSignalingStatus(status, error))
      },
      log: (message) => console.info(message),
    },
  })
  const voice = new VoiceChat({
    peers: () =>
      mesh
        .peers()
        .filter((peer) => peer.state === 'connected' || peer.state === 'reconnecting')
        .map((peer) => peer.id),
    audioTo: (peerId) => mesh.audioTo(peerId),
    remoteVoice: (peerId) => readVoice(docSync.presenceOf(peerId)),
    publish: (state) => awareness.setLocalStateField('voice', state),
    media: navigator.mediaDevices,
    document,
    log: (message) => console.info(message),
  })
  app = new AppState({
    board,
    awareness,
    mesh,
    docSync,
    voice,
    identity,
    link: location.href,
    storage,
  })

  // Connect first: mounting and the first paint would otherwise delay the socket's handshake.
  // `?hold` (benchmark only) loads the page without joining until `peerboard.join()`, so the
  // benchmark can time the join itself, without N page loads competing with it.
  let started = false
  const join = () => {
    if (started) return
    started = true
    performance.mark('peerboard:join')
    mesh.start()
  }
  if (!params.has('hold')) join()
  const target = document.getElementById('app')
  if (!target) throw new Error('#app is missing from index.html')
  mount(App, { target, props: { app } })
  setTimeout(() => app?.markNetworkSettled(), 1500)

  // A hidden page may be discarded or closed without another task: write what is pending.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') store.flush()
  })
  window.addEventListener('pagehide', () => {
    store.flush()
    // Tell peers now rather than letting them wait for the awareness timeout.
    awareness.setLocalState(null)
    voice.dispose()
    mesh.stop()
  })

  // Handles for the end-to-end tests and the benchmark (read-only use, but for `join`).
  Object.assign(window, {
    peerboard: { doc, board, awareness, mesh, docSync, persistence, app, voice, join },
  })
}

/**
 * Runs a UI update from a network event in a task of its own, behind the network work that the
 * same event started. simple-peer creates each offer in a timer task; a DOM change made before
 * it gets a rendering frame that Blink runs ahead of that timer, and the join's first frame
 * (the participants list, the status) held a joiner's offers back by about 20 ms. The
 * microtask puts this timer behind the ones simple-peer queues from its own microtasks.
 */
function afterNetwork(update: () => void): void {
  queueMicrotask(() => setTimeout(update, 0))
}

function lazySealer(ready: Promise<SignalSealer>): SignalSealer {
  return {
    seal: async (from, to, plaintext) => (await ready).seal(from, to, plaintext),
    open: async (from, to, sealed) => (await ready).open(from, to, sealed),
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

start()
