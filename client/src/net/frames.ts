/**
 * Data-channel frames: one tag byte, then the payload (docs/PROTOCOL.md, "Data-channel frames").
 * Frames larger than CHUNK_THRESHOLD travel as CHUNK frames and are reassembled on arrival,
 * because Chromium throws on messages above 256 KiB and big messages would stall small ones.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export const FRAME_SYNC = 0
export const FRAME_AWARENESS = 1
export const FRAME_CHUNK = 2
/** Ephemeral application messages (strokes in progress): never stored, never forwarded. */
export const FRAME_LIVE = 3
/**
 * An ephemeral message continuing the sender's latest live stream (a stroke's next points).
 * Its own tag saves the per-message header on the most frequent message of all.
 */
export const FRAME_LIVE_APPEND = 4
/**
 * A Yjs update with a hole where bytes go that the receiver already holds from the sender's
 * live stream (a committed stroke's points): a finished stroke does not travel twice.
 */
export const FRAME_SYNC_REF = 5
/**
 * "Send me your presence" (empty payload), after our side of a link was interrupted and dropped
 * the peer's presence: the peer's side may not have noticed, and would not announce itself.
 */
export const FRAME_AWARENESS_QUERY = 6

export type FrameType =
  | typeof FRAME_SYNC
  | typeof FRAME_AWARENESS
  | typeof FRAME_LIVE
  | typeof FRAME_LIVE_APPEND
  | typeof FRAME_SYNC_REF
  | typeof FRAME_AWARENESS_QUERY

const FRAME_TYPES: ReadonlySet<number> = new Set([
  FRAME_SYNC,
  FRAME_AWARENESS,
  FRAME_LIVE,
  FRAME_LIVE_APPEND,
  FRAME_SYNC_REF,
  FRAME_AWARENESS_QUERY,
])

/** Frames above this many bytes are split into chunks of at most this size. */
export const CHUNK_THRESHOLD = 16 * 1024

/** Refuse to reassemble anything bigger: it bounds what one peer can make us buffer. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024

/** A peer may stream this many chunked messages at once (interleaved); more is abuse. */
export const MAX_PARTIAL_MESSAGES = 8

export interface Frame {
  type: FrameType
  payload: Uint8Array
}

export function encodeFrame(type: FrameType, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.length + 1)
  frame[0] = type
  frame.set(payload, 1)
  return frame
}

export class FrameError extends Error {
  override name = 'FrameError'
}

export function decodeFrame(bytes: Uint8Array): Frame {
  const type = bytes[0]
  if (type === undefined || !FRAME_TYPES.has(type)) {
    throw new FrameError(`unknown frame type ${String(type)}`)
  }
  return { type: type as FrameType, payload: bytes.subarray(1) }
}

/**
 * Splits an encoded frame into CHUNK frames:
 * `[FRAME_CHUNK][varUint messageId][varUint index][varUint count][bytes]`.
 * Returns the frame itself when it is small enough to go whole.
 */
export function splitFrame(frame: Uint8Array, messageId: number): Uint8Array[] {
  if (frame.length <= CHUNK_THRESHOLD) return [frame]
  const count = Math.ceil(frame.length / CHUNK_THRESHOLD)
  const chunks: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const encoder = encoding.createEncoder()
    encoding.writeUint8(encoder, FRAME_CHUNK)
    encoding.writeVarUint(encoder, messageId)
    encoding.writeVarUint(encoder, index)
    encoding.writeVarUint(encoder, count)
    encoding.writeUint8Array(
      encoder,
      frame.subarray(index * CHUNK_THRESHOLD, (index + 1) * CHUNK_THRESHOLD),
    )
    chunks.push(encoding.toUint8Array(encoder))
  }
  return chunks
}

interface Partial {
  parts: Uint8Array[]
  count: number
  bytes: number
}

export type ReassemblyResult =
  { kind: 'frame'; frame: Frame } | { kind: 'partial' } | { kind: 'error'; reason: string }

/**
 * Rebuilds frames from what one peer sends. Chunks of different messages may interleave;
 * within a message they arrive in order (the channel is ordered and reliable), so a gap means
 * a broken sender and the message is dropped.
 */
export class Reassembler {
  readonly #partials = new Map<number, Partial>()

  get pendingMessages(): number {
    return this.#partials.size
  }

  push(bytes: Uint8Array): ReassemblyResult {
    if (bytes.length === 0) return { kind: 'error', reason: 'empty message' }
    if (bytes[0] !== FRAME_CHUNK) return this.#whole(bytes)
    try {
      return this.#chunk(bytes)
    } catch (error) {
      return { kind: 'error', reason: `bad chunk header: ${String(error)}` }
    }
  }

  #whole(bytes: Uint8Array): ReassemblyResult {
    try {
      return { kind: 'frame', frame: decodeFrame(bytes) }
    } catch (error) {
      return { kind: 'error', reason: String(error instanceof Error ? error.message : error) }
    }
  }

  #chunk(bytes: Uint8Array): ReassemblyResult {
    const decoder = decoding.createDecoder(bytes)
    decoding.readUint8(decoder)
    const id = decoding.readVarUint(decoder)
    const index = decoding.readVarUint(decoder)
    const count = decoding.readVarUint(decoder)
    const data = bytes.subarray(decoder.pos)
    const maxCount = Math.ceil(MAX_MESSAGE_BYTES / CHUNK_THRESHOLD)
    if (count < 2 || count > maxCount || index >= count) {
      this.#partials.delete(id)
      return { kind: 'error', reason: `chunk ${index} of ${count} out of range` }
    }
    if (data.length === 0 || data.length > CHUNK_THRESHOLD) {
      this.#partials.delete(id)
      return { kind: 'error', reason: `chunk of ${data.length} bytes` }
    }
    let partial = this.#partials.get(id)
    if (!partial) {
      if (index !== 0) return { kind: 'error', reason: `message ${id} starts at chunk ${index}` }
      if (this.#partials.size >= MAX_PARTIAL_MESSAGES) {
        return { kind: 'error', reason: 'too many interleaved messages' }
      }
      partial = { parts: [], count, bytes: 0 }
      this.#partials.set(id, partial)
    }
    if (partial.count !== count || partial.parts.length !== index) {
      this.#partials.delete(id)
      return { kind: 'error', reason: `message ${id}: chunk ${index} out of order` }
    }
    partial.parts.push(data)
    partial.bytes += data.length
    if (partial.parts.length < count) return { kind: 'partial' }
    this.#partials.delete(id)
    const whole = new Uint8Array(partial.bytes)
    let offset = 0
    for (const part of partial.parts) {
      whole.set(part, offset)
      offset += part.length
    }
    return this.#whole(whole)
  }
}
