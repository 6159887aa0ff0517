/**
 * Syncs one Y.Doc and its Awareness with every linked peer, using the y-protocols sync and
 * awareness messages unchanged inside our frames. Remote updates are applied with the peer's
 * PeerSync as transaction origin and never forwarded: in a full mesh each peer sends its own
 * changes to everyone, so an update costs exactly N−1 messages.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  FRAME_AWARENESS,
  FRAME_AWARENESS_QUERY,
  FRAME_LIVE,
  FRAME_LIVE_APPEND,
  FRAME_SYNC,
  FRAME_SYNC_REF,
  encodeFrame,
  type Frame,
} from './frames'

/** Updates bigger than this are refused before parsing (a whole board is far smaller). */
export const MAX_UPDATE_BYTES = 48 * 1024 * 1024

/** Bad messages tolerated from one peer before it is disconnected. */
export const MAX_STRIKES = 3

/**
 * A link whose sync answer (step 2) has not come this long after our step 1 asks again, then
 * after twice as long, up to SYNC_RETRY_MAX_MS. The answer is a peer's first reply and starts
 * at once, so by then a request or its answer is lost; a board that is merely big is
 * arriving in chunks meanwhile, and is not asked for twice.
 */
export const SYNC_RETRY_MS = 5000
export const SYNC_RETRY_MAX_MS = 60_000

export interface SyncLink {
  readonly peerId: string
  send(frame: Uint8Array): void
  /** Drops the connection to a misbehaving peer. */
  close(reason: string): void
}

type AwarenessChange = { added: number[]; updated: number[]; removed: number[] }

/** One peer's side of the sync: what it told us and whether it has sent its whole state. */
export class PeerSync {
  readonly link: SyncLink
  readonly #hub: DocSync
  /**
   * The one awareness client id this peer may speak for: the first it announces on this link
   * (a tab has one Y.Doc and one Awareness). Anything else it announces is someone else's, and
   * only this id's state is removed when the link is suspended or goes.
   */
  owner: number | null = null
  /** When to ask again while not synced (`retryStalled`); null until first checked. */
  retryAt: number | null = null
  retries = 0
  #synced = false
  #strikes = 0

  constructor(hub: DocSync, link: SyncLink) {
    this.#hub = hub
    this.link = link
  }

  /** Bad messages counted against this peer so far. */
  get strikes(): number {
    return this.#strikes
  }

  get synced(): boolean {
    return this.#synced
  }

  receive(frame: Frame): void {
    try {
      if (frame.type === FRAME_SYNC) this.#receiveSync(frame.payload)
      else if (frame.type === FRAME_SYNC_REF) this.#receiveSyncRef(frame.payload)
      else if (frame.type === FRAME_AWARENESS) this.#hub.applyAwareness(frame.payload, this)
      else if (frame.type === FRAME_AWARENESS_QUERY) this.#hub.answerQuery(frame.payload, this)
      else this.#hub.onLive(this.link.peerId, frame.payload, frame.type === FRAME_LIVE_APPEND)
    } catch (error) {
      this.strike(`bad ${FRAME_NAMES[frame.type]} message: ${String(error)}`)
    }
  }

  strike(reason: string): void {
    this.#strikes++
    this.#hub.onWarning(this.link.peerId, reason)
    if (this.#strikes >= MAX_STRIKES) this.link.close(`too many bad messages (${reason})`)
  }

  #receiveSync(payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload)
    const messageType = decoding.readVarUint(decoder)
    const doc = this.#hub.doc
    switch (messageType) {
      case syncProtocol.messageYjsSyncStep1: {
        const encoder = encoding.createEncoder()
        syncProtocol.readSyncStep1(decoder, encoder, doc)
        this.link.send(encodeFrame(FRAME_SYNC, encoding.toUint8Array(encoder)))
        return
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        const update = decoding.readVarUint8Array(decoder)
        this.#applyUpdate(update)
        if (messageType === syncProtocol.messageYjsSyncStep2 && !this.#synced) {
          this.#synced = true
          this.#hub.onSynced(this.link.peerId)
        }
        return
      }
      default:
        throw new Error(`unknown sync message type ${messageType}`)
    }
  }

  /** An update with a hole for bytes this peer streamed to us live (FRAME_SYNC_REF). */
  #receiveSyncRef(payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload)
    const ref = decoding.readVarUint(decoder)
    const offset = decoding.readVarUint(decoder)
    const rest = decoding.readVarUint8Array(decoder)
    if (decoder.pos !== payload.length || offset > rest.length) throw new Error('bad reference')
    const held = this.#hub.resolveReference(this.link.peerId, ref)
    if (!held) {
      // We missed the live stream (or dropped it): fetch what we lack the standard way.
      this.requestSync()
      return
    }
    const update = new Uint8Array(rest.length + held.length)
    update.set(rest.subarray(0, offset))
    update.set(held, offset)
    update.set(rest.subarray(offset), offset + held.length)
    this.#applyUpdate(update)
  }

  /** Sends our state vector: the peer answers with every update we lack (sync step 2). */
  requestSync(): void {
    const encoder = encoding.createEncoder()
    syncProtocol.writeSyncStep1(encoder, this.#hub.doc)
    this.link.send(encodeFrame(FRAME_SYNC, encoding.toUint8Array(encoder)))
  }

  #applyUpdate(update: Uint8Array): void {
    if (update.length > MAX_UPDATE_BYTES) throw new Error(`update of ${update.length} bytes`)
    // Y.applyUpdate is not atomic: parse the whole update first so that most malformed input
    // is refused before any of it lands in the document.
    Y.decodeUpdate(update)
    this.#hub.applyRemote(update, this)
  }
}

interface AwarenessEntry {
  clientID: number
  clock: number
  state: string
}

/** The awareness update format of y-protocols: count, then (clientID, clock, JSON state). */
function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientID = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const state = decoding.readVarString(decoder)
    JSON.parse(state)
    entries.push({ clientID, clock, state })
  }
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after awareness entries')
  return entries
}

function writeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { clientID, clock, state } of entries) {
    encoding.writeVarUint(encoder, clientID)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

const FRAME_NAMES = {
  [FRAME_SYNC]: 'sync',
  [FRAME_AWARENESS]: 'awareness',
  [FRAME_LIVE]: 'live',
  [FRAME_LIVE_APPEND]: 'live append',
  [FRAME_SYNC_REF]: 'sync reference',
  [FRAME_AWARENESS_QUERY]: 'awareness query',
}

export interface DocSyncEvents {
  onSynced?: (peerId: string) => void
  onWarning?: (peerId: string, reason: string) => void
  /**
   * A peer's ephemeral message (`append`: it continues the peer's latest live stream); throw
   * to count it as a bad message.
   */
  onLive?: (peerId: string, payload: Uint8Array, append: boolean) => void
  /**
   * Bytes of a local update that every peer already holds from our live stream, under `ref`:
   * the update then travels without them (FRAME_SYNC_REF).
   */
  referenceFor?: (update: Uint8Array) => { ref: number; bytes: Uint8Array } | null
  /** The bytes a peer streamed under `ref`, or null when we do not hold them. */
  resolveReference?: (peerId: string, ref: number) => Uint8Array | null
  /** A link opened: the place to send a newcomer ephemeral state it missed. */
  onPeerAdded?: (peerId: string) => void
  /**
   * Every change to the document with its transaction origin (a PeerSync for a peer's update,
   * passed on as received): the feed for persistence. DocSync is meant to be the doc's only
   * 'update' listener (see `applyRemote`), so anything else should take updates from here.
   */
  onUpdate?: (update: Uint8Array, origin: unknown) => void
}

export class DocSync {
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  readonly #peers = new Map<string, PeerSync>()
  readonly #events: DocSyncEvents
  readonly #cleanup: (() => void)[] = []

  constructor(doc: Y.Doc, awareness: awarenessProtocol.Awareness, events: DocSyncEvents = {}) {
    this.doc = doc
    this.awareness = awareness
    this.#events = events

    doc.on('update', this.#onLocalUpdate)
    this.#cleanup.push(() => doc.off('update', this.#onLocalUpdate))

    const onAwarenessUpdate = ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
      if (origin instanceof PeerSync) return
      // Only our own state goes out: relaying others' would make us their owner.
      const own = [...added, ...updated, ...removed].filter((id) => id === awareness.clientID)
      if (own.length > 0) this.#broadcast(this.#awarenessFrame())
    }
    awareness.on('update', onAwarenessUpdate)
    this.#cleanup.push(() => awareness.off('update', onAwarenessUpdate))
  }

  get peerCount(): number {
    return this.#peers.size
  }

  peer(peerId: string): PeerSync | undefined {
    return this.#peers.get(peerId)
  }

  /**
   * The presence (awareness state) announced over the link to this peer, or null. Read through
   * the client id the link owns, which is known before its update is applied: correct inside
   * awareness 'change' listeners too, which y-protocols calls before 'update' ones.
   */
  presenceOf(peerId: string): unknown {
    const owner = this.#peers.get(peerId)?.owner
    return owner === null || owner === undefined
      ? null
      : (this.awareness.getStates().get(owner) ?? null)
  }

  /** Starts syncing with a freshly opened link: our state vector, then our presence. */
  addPeer(link: SyncLink): PeerSync {
    this.removePeer(link.peerId)
    const peer = new PeerSync(this, link)
    this.#peers.set(link.peerId, peer)
    const encoder = encoding.createEncoder()
    syncProtocol.writeSyncStep1(encoder, this.doc)
    link.send(encodeFrame(FRAME_SYNC, encoding.toUint8Array(encoder)))
    this.#announceTo(peer)
    this.#events.onPeerAdded?.(link.peerId)
    return peer
  }

  /**
   * The link to a peer is interrupted: its cursor and presence go now, not after the 30 s
   * awareness timeout. On recovery both sides announce themselves again.
   */
  suspendPeer(peerId: string): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return
    this.#dropPresence(peer, 'peer-suspended')
  }

  /**
   * The link is back. Our side dropped the peer's presence, but its side may not have been
   * interrupted (ICE state is per side): it would not announce itself, and its cursor, name and
   * voice would stay missing here until it next changed. So we ask.
   */
  resumePeer(peerId: string): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return
    this.#announceTo(peer)
    peer.link.send(encodeFrame(FRAME_AWARENESS_QUERY, new Uint8Array(0)))
  }

  answerQuery(payload: Uint8Array, peer: PeerSync): void {
    if (payload.length > 0) throw new Error(`${payload.length} unexpected bytes`)
    this.#announceTo(peer)
  }

  /**
   * Sends our state vector again to each peer whose sync answer is overdue (SYNC_RETRY_MS),
   * unless `receiving` says a chunked message from it is arriving. Meant to be called about
   * once a second with a monotonic clock; returns the peers asked again.
   */
  retryStalled(now: number, receiving: (peerId: string) => boolean): string[] {
    const asked: string[] = []
    for (const peer of this.#peers.values()) {
      if (peer.synced) continue
      const wait = () => Math.min(SYNC_RETRY_MAX_MS, SYNC_RETRY_MS * 2 ** peer.retries)
      if (peer.retryAt === null || receiving(peer.link.peerId)) {
        peer.retryAt = now + wait()
        continue
      }
      if (now < peer.retryAt) continue
      peer.retries++
      peer.retryAt = now + wait()
      peer.requestSync()
      asked.push(peer.link.peerId)
    }
    return asked
  }

  removePeer(peerId: string): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return
    this.#peers.delete(peerId)
    this.#dropPresence(peer, 'peer-left')
  }

  #dropPresence(peer: PeerSync, origin: string): void {
    if (peer.owner === null) return
    awarenessProtocol.removeAwarenessStates(this.awareness, [peer.owner], origin)
  }

  /**
   * Applies only the entry for the client id this peer owns. A peer announcing others' states
   * could impersonate them (their cursor and name) or erase them (a higher clock with a null
   * state); those entries are dropped and the message counts as a bad one.
   */
  applyAwareness(update: Uint8Array, peer: PeerSync): void {
    const entries = readAwarenessEntries(update)
    if (peer.owner === null) {
      const claim = entries[0]?.clientID
      if (claim !== undefined && this.#claimable(claim, peer)) peer.owner = claim
    }
    const own = entries.filter((entry) => entry.clientID === peer.owner)
    if (own.length > 0) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, writeAwarenessEntries(own), peer)
    }
    const foreign = entries.length - own.length
    if (foreign > 0) throw new Error(`awareness for ${foreign} client id(s) not its own`)
  }

  #claimable(clientID: number, claimant: PeerSync): boolean {
    if (clientID === this.awareness.clientID) return false
    for (const peer of this.#peers.values()) {
      if (peer !== claimant && peer.owner === clientID) return false
    }
    return true
  }

  onLive(peerId: string, payload: Uint8Array, append: boolean): void {
    this.#events.onLive?.(peerId, payload, append)
  }

  resolveReference(peerId: string, ref: number): Uint8Array | null {
    return this.#events.resolveReference?.(peerId, ref) ?? null
  }

  /** Sends an ephemeral message to every linked peer (nothing is stored or forwarded). */
  broadcastLive(payload: Uint8Array, append = false): void {
    this.#broadcast(encodeFrame(append ? FRAME_LIVE_APPEND : FRAME_LIVE, payload))
  }

  sendLive(peerId: string, payload: Uint8Array): void {
    this.#peers.get(peerId)?.link.send(encodeFrame(FRAME_LIVE, payload))
  }

  onSynced(peerId: string): void {
    this.#events.onSynced?.(peerId)
  }

  onWarning(peerId: string, reason: string): void {
    this.#events.onWarning?.(peerId, reason)
  }

  destroy(): void {
    for (const peerId of [...this.#peers.keys()]) this.removePeer(peerId)
    for (const undo of this.#cleanup) undo()
  }

  /**
   * Sends our presence to one peer with a new clock: a peer that dropped our state (its link to
   * us was suspended) keeps our old clock and ignores a state that is not newer. The clock moves
   * only here, without a broadcast, so a mesh coming up costs N−1 awareness messages per peer,
   * not one per link per peer; the others, a clock behind, still accept our next change.
   */
  #announceTo(peer: PeerSync): void {
    const awareness = this.awareness
    if (awareness.getLocalState() === null) return
    const meta = awareness.meta.get(awareness.clientID)
    if (meta) awareness.meta.set(awareness.clientID, { ...meta, clock: meta.clock + 1 })
    peer.link.send(this.#awarenessFrame())
  }

  #awarenessFrame(): Uint8Array {
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [
      this.awareness.clientID,
    ])
    return encodeFrame(FRAME_AWARENESS, update)
  }

  readonly #onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin instanceof PeerSync) return
    this.#broadcast(this.#referencedUpdate(update) ?? updateFrame(update))
    this.#events.onUpdate?.(update, origin)
  }

  /**
   * Applies a peer's update with no 'update' listener attached: Yjs then skips re-encoding
   * the transaction, which for a late joiner's whole board cost a sixth of the sync. The bytes
   * as received go to `onUpdate` instead. A local change made by an observer meanwhile (none
   * does today) is caught by 'afterTransaction' and sent as a diff.
   */
  applyRemote(update: Uint8Array, origin: PeerSync): void {
    const doc = this.doc
    const nested: Y.Transaction[] = []
    const watch = (transaction: Y.Transaction) => {
      if (!(transaction.origin instanceof PeerSync)) nested.push(transaction)
    }
    doc.off('update', this.#onLocalUpdate)
    doc.on('afterTransaction', watch)
    try {
      Y.applyUpdate(doc, update, origin)
    } finally {
      doc.off('afterTransaction', watch)
      doc.on('update', this.#onLocalUpdate)
    }
    this.#events.onUpdate?.(update, origin)
    for (const transaction of nested) {
      const diff = Y.encodeStateAsUpdate(doc, encodeStateVector(transaction.beforeState))
      this.#onLocalUpdate(diff, transaction.origin)
    }
  }

  #referencedUpdate(update: Uint8Array): Uint8Array | null {
    const reference = this.#events.referenceFor?.(update)
    if (!reference || reference.bytes.length === 0) return null
    const offset = indexOf(update, reference.bytes)
    if (offset < 0) return null
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, reference.ref)
    encoding.writeVarUint(encoder, offset)
    encoding.writeVarUint(encoder, update.length - reference.bytes.length)
    encoding.writeUint8Array(encoder, update.subarray(0, offset))
    encoding.writeUint8Array(encoder, update.subarray(offset + reference.bytes.length))
    return encodeFrame(FRAME_SYNC_REF, encoding.toUint8Array(encoder))
  }

  #broadcast(frame: Uint8Array): void {
    for (const peer of this.#peers.values()) peer.link.send(frame)
  }
}

function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  syncProtocol.writeUpdate(encoder, update)
  return encodeFrame(FRAME_SYNC, encoding.toUint8Array(encoder))
}

/** Where `needle` first occurs in `haystack`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]
  const last = haystack.length - needle.length
  for (
    let i = haystack.indexOf(first ?? 0);
    i >= 0 && i <= last;
    i = haystack.indexOf(first ?? 0, i + 1)
  ) {
    let j = 1
    while (j < needle.length && haystack[i + j] === needle[j]) j++
    if (j === needle.length) return i
  }
  return -1
}

/** A transaction's `beforeState` as an encoded state vector. */
function encodeStateVector(state: Map<number, number>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, state.size)
  for (const [client, clock] of state) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
  }
  return encoding.toUint8Array(encoder)
}
