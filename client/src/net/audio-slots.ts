/**
 * When each link's audio slot is negotiated. A slot costs an offer/answer round (two more
 * signaling messages through a busy server, SDP work and audio channel setup on both sides).
 * In a room forming at once, those rounds compete with the links still being set up, on this
 * page and on the peer's: in an 8-person room joining together they doubled the offers and
 * answers made before the mesh was complete (56 of each instead of 28).
 *
 * So a synced link's slot waits for the room to be quiet: no peer of ours connecting or
 * syncing for `quietMs`. One page's view is not the room's (its last link may sync seconds
 * before its peers' last links do); the quiet period covers that spread. Voice never waits for
 * it: a link on which either side is in voice, or joining it, negotiates its slot at once.
 * `maxWaitMs` bounds the wait in a room that never settles (a peer that keeps failing).
 */
import { defaultTimers, type Timers } from './mesh'

export interface AudioSlotsOptions {
  prepare(peerId: string): void
  /** True while some peer in the room is still connecting or syncing its board. */
  busy(): boolean
  /** True when voice on the link to this peer is wanted now (either side in voice or joining). */
  wanted(peerId: string): boolean
  timers?: Timers
  quietMs?: number
  maxWaitMs?: number
}

export class AudioSlots {
  readonly #options: AudioSlotsOptions
  readonly #timers: Timers
  readonly #waiting = new Set<string>()
  #quietTimer: unknown = null
  #maxTimer: unknown = null

  constructor(options: AudioSlotsOptions) {
    this.#options = options
    this.#timers = options.timers ?? defaultTimers
  }

  /** The link to this peer has synced its board: its slot is next. */
  synced(peerId: string): void {
    this.#waiting.add(peerId)
    this.settle()
  }

  /**
   * The room or someone's voice changed (a peer connected, synced, failed or left; a voice
   * was joined): wanted slots go now, and the quiet period starts over or begins.
   */
  settle(): void {
    for (const peerId of this.#waiting) {
      if (!this.#options.wanted(peerId)) continue
      this.#waiting.delete(peerId)
      this.#options.prepare(peerId)
    }
    if (this.#waiting.size === 0) {
      this.#clearTimers()
      return
    }
    if (this.#options.busy()) {
      if (this.#quietTimer !== null) this.#timers.clearTimeout(this.#quietTimer)
      this.#quietTimer = null
    } else {
      this.#quietTimer ??= this.#timers.setTimeout(() => {
        this.#quietTimer = null
        if (!this.#options.busy()) this.flush()
      }, this.#options.quietMs ?? 3000)
    }
    this.#maxTimer ??= this.#timers.setTimeout(
      () => this.flush(),
      this.#options.maxWaitMs ?? 15_000,
    )
  }

  forget(peerId: string): void {
    this.#waiting.delete(peerId)
    if (this.#waiting.size === 0) this.#clearTimers()
  }

  /** Negotiates every waiting slot now. */
  flush(): void {
    this.#clearTimers()
    const waiting = [...this.#waiting]
    this.#waiting.clear()
    for (const peerId of waiting) this.#options.prepare(peerId)
  }

  #clearTimers(): void {
    if (this.#quietTimer !== null) this.#timers.clearTimeout(this.#quietTimer)
    if (this.#maxTimer !== null) this.#timers.clearTimeout(this.#maxTimer)
    this.#quietTimer = null
    this.#maxTimer = null
  }
}
