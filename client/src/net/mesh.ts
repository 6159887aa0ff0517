/**
 * The full mesh: one connection per remote peer in the room, dialled by the newcomer, re-dialled
 * after a failure for as long as both peers are in the room. Signaling payloads are sealed with
 * the room key and carry a connection id and a sequence number, so stale, replayed or foreign
 * payloads never touch a live connection.
 */
import type { ErrorAck, IceServer, JoinOk } from '../../../shared/signaling'
import { randomId } from './encoding'
import { FrameSender } from './frame-sender'
import { Reassembler, type Frame } from './frames'
import type { PeerAudio, PeerFactory, PeerTransport, SignalData } from './peer-transport'
import type { SignalSealer } from './signal-crypto'
import type { Signaling, SignalingStatus } from './signaling-client'

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'unverified'

export interface PeerInfo {
  id: string
  state: LinkState
  /** The signaling server lists this peer in the room. */
  inRoom: boolean
}

export interface MeshLink {
  readonly peerId: string
  send(frame: Uint8Array): void
  close(reason: string): void
}

export interface MeshEvents {
  linkOpened(link: MeshLink): void
  linkFrame(peerId: string, frame: Frame): void
  linkBadFrame(peerId: string, reason: string): void
  linkClosed(peerId: string): void
  /** An open link lost ICE connectivity ('reconnecting') or got it back ('connected'). */
  linkState?(peerId: string, state: 'connected' | 'reconnecting'): void
  peersChanged(peers: PeerInfo[]): void
  signalingStatus(status: SignalingStatus, error?: ErrorAck): void
  log?(message: string): void
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface MeshOptions {
  signaling: Signaling
  sealer: SignalSealer
  createPeer: PeerFactory
  events: MeshEvents
  timers?: Timers
  /** A connection not open after this long is abandoned and re-dialled. */
  connectTimeoutMs?: number
  backoffMs?: (attempt: number) => number
  /** How long ICE may stay `disconnected` before we restart it (and between restarts). */
  iceRestartDelayMs?: number
  /** How long an ICE candidate waits for the rest of its burst (see CANDIDATE_BATCH_MS). */
  candidateBatchMs?: number
}

/**
 * A connection gathers its candidates in a burst, one event each (here one per address, a few
 * ms apart; more on a busy machine). Each used to travel alone: half of the envelopes an
 * 8-person room sealed, relayed and opened while joining. Held this long, a burst shares one
 * envelope. Offers and answers never wait, and a candidate waits at most this long.
 */
export const CANDIDATE_BATCH_MS = 15

interface Envelope {
  /** Connection id chosen by the dialler. */
  c: string
  /** Per-sender sequence number; replays are dropped. */
  n: number
  /** One signal, or several in order (those queued while the previous envelope was sealed). */
  s: SignalData | SignalData[]
}

/** More signals than one connection's ICE exchange needs in one envelope is not ours. */
const MAX_BATCH = 64

interface Link {
  peerId: string
  connectionId: string
  initiator: boolean
  state: 'connecting' | 'connected' | 'reconnecting'
  transport: PeerTransport
  sender: FrameSender | null
  reassembler: Reassembler
  connectTimer: unknown
  openedAt: number | null
  restartTimer: unknown
  iceRestarts: number
}

export const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export const defaultBackoff = (attempt: number): number =>
  Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5)

export class PeerMesh {
  readonly #options: MeshOptions
  readonly #events: MeshEvents
  readonly #timers: Timers
  readonly #links = new Map<string, Link>()
  /** Peers the server listed in our room (kept through a signaling outage). */
  readonly #roster = new Set<string>()
  readonly #failed = new Set<string>()
  readonly #unverified = new Set<string>()
  readonly #blocked = new Set<string>()
  readonly #redials = new Map<string, { timer: unknown; attempt: number }>()
  readonly #lastSeq = new Map<string, number>()
  readonly #inbox = new Map<string, Promise<void>>()
  readonly #outbox = new Map<string, Promise<void>>()
  /** Signals waiting for the seal in flight to a peer; they leave together, in order. */
  readonly #batches = new Map<string, { c: string; s: SignalData[] }>()
  #iceServers: IceServer[] = []
  #joined = false
  #seq = 0
  #stopped = false

  constructor(options: MeshOptions) {
    this.#options = options
    this.#events = options.events
    this.#timers = options.timers ?? defaultTimers
  }

  get self(): string {
    return this.#options.signaling.self
  }

  start(): void {
    this.#options.signaling.start({
      joined: (ack) => this.#onJoined(ack),
      peerJoined: (peer) => this.#onPeerJoined(peer),
      peerLeft: (peer) => this.#onPeerLeft(peer),
      signal: (from, data) => this.#enqueueInbound(from, data),
      status: (status, error) => {
        if (status !== 'joined') this.#joined = false
        this.#events.signalingStatus(status, error)
      },
    })
  }

  stop(): void {
    this.#stopped = true
    this.#options.signaling.stop()
    for (const peerId of [...this.#links.keys()]) this.#dropLink(peerId)
    for (const { timer } of this.#redials.values()) this.#timers.clearTimeout(timer)
    this.#redials.clear()
  }

  peers(): PeerInfo[] {
    const ids = new Set([...this.#roster, ...this.#links.keys(), ...this.#unverified])
    return [...ids].sort().map((id) => ({
      id,
      inRoom: this.#roster.has(id),
      state: this.#stateOf(id),
    }))
  }

  /** The RTCPeerConnection to a peer, for stats and diagnostics. */
  connectionTo(peerId: string): RTCPeerConnection | null {
    return this.#links.get(peerId)?.transport.connection ?? null
  }

  /** ICE restarts attempted on the current link to a peer (for diagnostics and tests). */
  iceRestarts(peerId: string): number {
    return this.#links.get(peerId)?.iceRestarts ?? 0
  }

  /**
   * Restarts ICE on the link to a peer now, as a `disconnected` link does by itself; false if
   * there is no link or its transport cannot restart.
   */
  restartIce(peerId: string): boolean {
    const link = this.#links.get(peerId)
    return link ? this.#restartIce(link) : false
  }

  /** Chunked messages from a peer still being reassembled (a big sync in flight). */
  pendingChunks(peerId: string): number {
    return this.#links.get(peerId)?.reassembler.pendingMessages ?? 0
  }

  /** The audio slot of the current link to a peer (voice swaps tracks in it). */
  audioTo(peerId: string): PeerAudio | null {
    return this.#links.get(peerId)?.transport.audio ?? null
  }

  senderStats(peerId: string) {
    return this.#links.get(peerId)?.sender?.stats ?? null
  }

  #stateOf(id: string): LinkState {
    const link = this.#links.get(id)
    if (link) return link.state
    if (this.#unverified.has(id)) return 'unverified'
    if (this.#failed.has(id) || this.#blocked.has(id)) return 'failed'
    return 'connecting'
  }

  #changed(): void {
    this.#events.peersChanged(this.peers())
  }

  #onJoined(ack: JoinOk): void {
    this.#joined = true
    this.#iceServers = ack.iceServers
    const listed = new Set(ack.peers)
    for (const peerId of [...this.#roster]) {
      if (listed.has(peerId)) continue
      this.#roster.delete(peerId)
      if (this.#links.get(peerId)?.state !== 'connected') this.#dropLink(peerId)
    }
    for (const peerId of ack.peers) {
      this.#roster.add(peerId)
      const link = this.#links.get(peerId)
      // A link that survived the signaling outage stays; anything else is dialled afresh.
      if (!link || link.state !== 'connected') this.#dial(peerId)
    }
    this.#changed()
  }

  #onPeerJoined(peerId: string): void {
    if (peerId === this.self) return
    this.#roster.add(peerId)
    this.#failed.delete(peerId)
    // The newcomer dials; a redial of ours now would only collide with its offer.
    this.#cancelRedial(peerId)
    this.#changed()
  }

  #onPeerLeft(peerId: string): void {
    this.#roster.delete(peerId)
    this.#cancelRedial(peerId)
    this.#unverified.delete(peerId)
    this.#failed.delete(peerId)
    // An open data channel outlives the peer's signaling socket: keep it while it works.
    if (this.#links.get(peerId)?.state !== 'connected') this.#dropLink(peerId)
    this.#changed()
  }

  #dial(peerId: string): void {
    if (this.#stopped || !this.#joined || this.#blocked.has(peerId)) return
    this.#cancelRedial(peerId)
    this.#dropLink(peerId)
    this.#createLink(peerId, randomId(9), true)
    this.#changed()
  }

  #createLink(peerId: string, connectionId: string, initiator: boolean): Link {
    const link: Link = {
      peerId,
      connectionId,
      initiator,
      state: 'connecting',
      transport: undefined as unknown as PeerTransport,
      sender: null,
      reassembler: new Reassembler(),
      connectTimer: null,
      openedAt: null,
      restartTimer: null,
      iceRestarts: 0,
    }
    const current = () => this.#links.get(peerId) === link
    const receive = (bytes: Uint8Array) => {
      const result = link.reassembler.push(bytes)
      if (result.kind === 'frame') this.#events.linkFrame(peerId, result.frame)
      else if (result.kind === 'error') this.#events.linkBadFrame(peerId, result.reason)
    }
    // The remote side may open first and send (its sync step 1) before our 'connect' event;
    // held until the sync layer has the link, or those frames would be dropped.
    const early: Uint8Array[] = []
    link.transport = this.#options.createPeer({
      initiator,
      iceServers: this.#iceServers,
      events: {
        onSignal: (data) => {
          if (current()) this.#sendSignal(peerId, connectionId, data)
        },
        onConnect: (channel) => {
          if (!current()) return
          this.#timers.clearTimeout(link.connectTimer)
          link.state = 'connected'
          link.openedAt = Date.now()
          link.sender = new FrameSender(channel, (error) =>
            this.#linkFailed(link, `send failed: ${error.message}`),
          )
          this.#failed.delete(peerId)
          this.#redials.delete(peerId)
          this.#events.linkOpened({
            peerId,
            send: (frame) => link.sender?.send(frame),
            close: (reason) => {
              if (!current()) return
              this.#blocked.add(peerId)
              this.#linkFailed(link, reason)
            },
          })
          for (const bytes of early.splice(0)) if (current()) receive(bytes)
          this.#changed()
        },
        onData: (bytes) => {
          if (!current()) return
          if (link.sender) receive(bytes)
          else early.push(bytes)
        },
        onIceState: (state) => {
          if (!current() || link.state === 'connecting') return
          this.#watchIce(link, state)
          const next = state === 'disconnected' ? 'reconnecting' : 'connected'
          if (
            (state === 'connected' || state === 'completed' || next === 'reconnecting') &&
            link.state !== next
          ) {
            link.state = next
            this.#events.linkState?.(peerId, next)
            this.#changed()
          }
        },
        onClose: () => {
          if (current()) this.#linkFailed(link, 'closed')
        },
        onError: (error) => {
          if (current()) this.#linkFailed(link, error.message)
        },
      },
    })
    link.connectTimer = this.#timers.setTimeout(() => {
      if (current() && link.state === 'connecting') this.#linkFailed(link, 'connect timeout')
    }, this.#options.connectTimeoutMs ?? 15_000)
    this.#links.set(peerId, link)
    return link
  }

  /**
   * simple-peer never restarts ICE and destroys the peer once ICE reaches `failed` (~10 s after
   * `disconnected` in Chromium), so a restart is tried while ICE is `disconnected`: it picks
   * new candidates and credentials and keeps the data channel (and its queued messages). Both
   * sides ask; the initiator's offer does the work. If ICE still fails, the re-dial takes over.
   */
  #watchIce(link: Link, state: RTCIceConnectionState): void {
    if (state === 'connected' || state === 'completed') {
      this.#timers.clearTimeout(link.restartTimer)
      link.restartTimer = null
      return
    }
    // 'checking' after a restart keeps the retry timer; only recovery stops it.
    if (state !== 'disconnected') return
    if (link.restartTimer !== null || !link.transport.restartIce) return
    const delay = this.#options.iceRestartDelayMs ?? 1500
    const attempt = () => {
      if (this.#links.get(link.peerId) !== link) return
      this.#restartIce(link)
      link.restartTimer = this.#timers.setTimeout(attempt, delay * 3)
    }
    link.restartTimer = this.#timers.setTimeout(attempt, delay)
  }

  #restartIce(link: Link): boolean {
    if (!link.transport.restartIce) return false
    link.iceRestarts++
    this.#events.log?.(`restarting ICE to ${link.peerId.slice(0, 6)} (${link.iceRestarts})`)
    link.transport.restartIce()
    return true
  }

  #linkFailed(link: Link, reason: string): void {
    this.#events.log?.(`link to ${link.peerId.slice(0, 6)} ended: ${reason}`)
    this.#dropLink(link.peerId)
    this.#failed.add(link.peerId)
    this.#scheduleRedial(link.peerId)
    this.#changed()
  }

  #dropLink(peerId: string): void {
    const link = this.#links.get(peerId)
    if (!link) return
    this.#links.delete(peerId)
    this.#timers.clearTimeout(link.connectTimer)
    this.#timers.clearTimeout(link.restartTimer)
    link.sender?.close()
    link.transport.destroy()
    if (link.openedAt !== null) this.#events.linkClosed(peerId)
  }

  /**
   * After a failure both sides would re-dial at once; the lower id goes first and the higher
   * id only later, as a fallback, so the offers rarely collide (and #onOffer settles it if so).
   */
  #scheduleRedial(peerId: string): void {
    if (this.#stopped || !this.#roster.has(peerId) || this.#blocked.has(peerId)) return
    const previous = this.#redials.get(peerId)
    if (previous) this.#timers.clearTimeout(previous.timer)
    const attempt = previous ? previous.attempt + 1 : 0
    const base = this.#options.backoffMs?.(attempt) ?? defaultBackoff(attempt)
    const delay = this.self < peerId ? base : base * 3 + 5000
    const timer = this.#timers.setTimeout(() => {
      const entry = this.#redials.get(peerId)
      if (!entry || entry.timer !== timer) return
      if (!this.#links.has(peerId) && this.#roster.has(peerId)) {
        this.#dial(peerId)
        this.#redials.set(peerId, { timer: null, attempt })
      }
    }, delay)
    this.#redials.set(peerId, { timer, attempt })
  }

  #cancelRedial(peerId: string): void {
    const entry = this.#redials.get(peerId)
    if (entry) this.#timers.clearTimeout(entry.timer)
    this.#redials.delete(peerId)
  }

  #sendSignal(peerId: string, connectionId: string, data: SignalData): void {
    const waiting = this.#batches.get(peerId)
    if (waiting && waiting.c === connectionId && waiting.s.length < MAX_BATCH) {
      waiting.s.push(data)
      return
    }
    const batch = { c: connectionId, s: [data] }
    this.#batches.set(peerId, batch)
    const previous = this.#outbox.get(peerId) ?? Promise.resolve()
    const holdMs = isCandidate(data) ? (this.#options.candidateBatchMs ?? CANDIDATE_BATCH_MS) : 0
    const held =
      holdMs > 0
        ? new Promise<void>((resolve) => this.#timers.setTimeout(resolve, holdMs))
        : undefined
    // Sealing is async: chain per peer so the offer always leaves before its candidates. Signals
    // that come while a seal is in flight, or while a candidate is held, share the next
    // envelope: fewer messages to seal, relay and open on a busy machine.
    const next = previous.then(async () => {
      if (held) await held
      if (this.#batches.get(peerId) === batch) this.#batches.delete(peerId)
      if (this.#stopped) return
      const s = batch.s.length === 1 ? (batch.s[0] as SignalData) : batch.s
      const envelope: Envelope = { c: batch.c, n: ++this.#seq, s }
      try {
        const sealed = await this.#options.sealer.seal(this.self, peerId, JSON.stringify(envelope))
        this.#options.signaling.signal(peerId, sealed)
      } catch (error) {
        this.#events.log?.(`could not seal a signal: ${String(error)}`)
      }
    })
    this.#outbox.set(peerId, next)
  }

  #enqueueInbound(from: string, data: string): void {
    const previous = this.#inbox.get(from) ?? Promise.resolve()
    const next = previous.then(() => this.#onSignal(from, data))
    this.#inbox.set(from, next)
  }

  async #onSignal(from: string, data: string): Promise<void> {
    if (this.#stopped || from === this.self) return
    let envelope: Envelope
    try {
      const opened = await this.#options.sealer.open(from, this.self, data)
      envelope = parseEnvelope(opened)
    } catch {
      // Not sealed with our room key for this pair: a wrong link, or a tampering server.
      if (!this.#links.has(from) && !this.#unverified.has(from)) {
        this.#unverified.add(from)
        this.#changed()
      }
      return
    }
    if (envelope.n <= (this.#lastSeq.get(from) ?? 0)) return
    this.#lastSeq.set(from, envelope.n)
    if (this.#unverified.delete(from)) this.#changed()
    if (this.#blocked.has(from)) return

    const signals = Array.isArray(envelope.s) ? envelope.s : [envelope.s]
    const link = this.#links.get(from)
    if (link && link.connectionId === envelope.c) {
      for (const signal of signals) link.transport.signal(signal)
      return
    }
    if (signals[0]?.type !== 'offer') return
    if (link) {
      // Simultaneous dials: the lower id's offer wins.
      if (link.initiator && link.state === 'connecting' && this.self < from) return
      this.#dropLink(from)
    }
    this.#cancelRedial(from)
    const fresh = this.#createLink(from, envelope.c, false)
    for (const signal of signals) fresh.transport.signal(signal)
    this.#changed()
  }
}

function parseEnvelope(text: string): Envelope {
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null) throw new Error('not an object')
  const { c, n, s } = value as Record<string, unknown>
  if (typeof c !== 'string' || c.length > 64) throw new Error('bad connection id')
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new Error('bad sequence')
  const signals = Array.isArray(s) ? s : [s]
  if (signals.length === 0 || signals.length > MAX_BATCH) throw new Error('bad signal batch')
  for (const signal of signals) {
    if (typeof signal !== 'object' || signal === null || Array.isArray(signal)) {
      throw new Error('bad signal')
    }
  }
  return { c, n, s: s as SignalData | SignalData[] }
}

function isCandidate(data: SignalData): boolean {
  return typeof data.candidate === 'object' && data.candidate !== null
}
