import { CHUNK_THRESHOLD, splitFrame } from './frames'

/** What a FrameSender needs from a data channel. */
export interface FrameTransport {
  /** Throws when the message cannot be queued; the caller must not swallow that. */
  send(data: Uint8Array): void
  readonly bufferedAmount: number
  /** Calls `listener` when the channel's send buffer has drained; returns an unsubscribe. */
  onDrain(listener: () => void): () => void
}

/** Stop handing data to the channel above this: its queue holds 16 MiB, then throws. */
export const HIGH_WATER_BYTES = 1024 * 1024

export interface SenderStats {
  /** Application frames handed to send(), before chunking. */
  frames: number
  /** Data-channel messages actually sent (chunks count one each). */
  messages: number
  bytes: number
}

/**
 * Queues frames for one data channel with backpressure. Small frames jump ahead of the chunks
 * of a large one, so a late joiner's multi-megabyte sync never delays live strokes or cursors.
 */
export class FrameSender {
  readonly #transport: FrameTransport
  readonly #onError: (error: Error) => void
  readonly #highWater: number
  readonly #urgent: Uint8Array[] = []
  readonly #bulk: Uint8Array[][] = []
  #nextMessageId = 0
  #unsubscribeDrain: (() => void) | null = null
  #failed = false
  readonly stats: SenderStats = { frames: 0, messages: 0, bytes: 0 }

  constructor(
    transport: FrameTransport,
    onError: (error: Error) => void,
    highWater = HIGH_WATER_BYTES,
  ) {
    this.#transport = transport
    this.#onError = onError
    this.#highWater = highWater
  }

  get queuedMessages(): number {
    return this.#urgent.length + this.#bulk.reduce((sum, chunks) => sum + chunks.length, 0)
  }

  send(frame: Uint8Array): void {
    if (this.#failed) return
    this.stats.frames++
    if (frame.length <= CHUNK_THRESHOLD) this.#urgent.push(frame)
    else this.#bulk.push(splitFrame(frame, this.#nextMessageId++))
    this.#pump()
  }

  close(): void {
    this.#failed = true
    this.#urgent.length = 0
    this.#bulk.length = 0
    this.#unsubscribeDrain?.()
    this.#unsubscribeDrain = null
  }

  #next(): Uint8Array | undefined {
    const urgent = this.#urgent.shift()
    if (urgent) return urgent
    const chunks = this.#bulk[0]
    if (!chunks) return undefined
    const chunk = chunks.shift()
    if (chunks.length === 0) this.#bulk.shift()
    return chunk
  }

  #pump(): void {
    if (this.#unsubscribeDrain) return
    while (this.#urgent.length > 0 || this.#bulk.length > 0) {
      if (this.#transport.bufferedAmount > this.#highWater) {
        this.#unsubscribeDrain = this.#transport.onDrain(() => {
          this.#unsubscribeDrain?.()
          this.#unsubscribeDrain = null
          this.#pump()
        })
        return
      }
      const message = this.#next()
      if (!message) return
      try {
        this.#transport.send(message)
      } catch (error) {
        this.close()
        this.#onError(error instanceof Error ? error : new Error(String(error)))
        return
      }
      this.stats.messages++
      this.stats.bytes += message.length
    }
  }
}
