/**
 * When each link's audio slot is negotiated. A slot costs an offer/answer round (two more
 * signaling messages through a busy server, SDP work and audio channel setup on both sides).
 * Negotiated as each link syncs, those rounds competed with the links still being set up: in
 * an 8-person room joining at once they were a sixth of all signaling messages (56 of about
 * 330). So a synced link waits until no other peer in the room is still connecting or
 * syncing, or at most `maxWaitMs`, so that one peer that never connects cannot hold back
 * everyone's voice.
 */
import { defaultTimers, type Timers } from './mesh'

export interface AudioSlotsOptions {
  prepare(peerId: string): void
  /** True while some peer in the room is still connecting or syncing its board. */
  busy(): boolean
  timers?: Timers
  maxWaitMs?: number
}

export class AudioSlots {
  readonly #options: AudioSlotsOptions
  readonly #timers: Timers
  readonly #waiting = new Set<string>()
  #timer: unknown = null

  constructor(options: AudioSlotsOptions) {
    this.#options = options
    this.#timers = options.timers ?? defaultTimers
  }

  /** The link to this peer has synced its board: its slot is next. */
  synced(peerId: string): void {
    this.#waiting.add(peerId)
    this.settle()
  }

  /** The room changed (a peer connected, synced, failed or left): waiting slots may go. */
  settle(): void {
    if (this.#waiting.size === 0) return
    if (!this.#options.busy()) this.flush()
    else
      this.#timer ??= this.#timers.setTimeout(() => this.flush(), this.#options.maxWaitMs ?? 2000)
  }

  forget(peerId: string): void {
    this.#waiting.delete(peerId)
  }

  /** Negotiates every waiting slot now. */
  flush(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
    const waiting = [...this.#waiting]
    this.#waiting.clear()
    for (const peerId of waiting) this.#options.prepare(peerId)
  }
}
