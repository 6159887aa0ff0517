/**
 * Freehand strokes while they are being drawn, shared with peers as ephemeral messages rather
 * than document edits: a stroke grows on every screen once per input frame, and only the
 * finished stroke enters the Yjs document (one record). Nothing of the drawing process is kept
 * in the document's history, and a late joiner never downloads it.
 *
 * Message: varUint kind, varUint handle, then
 *   BEGIN:  varString strokeId, varString type, varString color, varUint size·100, point bytes
 *   POINTS: point bytes continuing the stroke
 *   END:    nothing (the stroke was cancelled)
 * The handle is a small number the sender picks per stroke, so that a POINTS message needs no
 * ten-character shape id. Point bytes are points.ts's format; BEGIN carries its header.
 *
 * Two shortcuts carry nearly all the traffic (docs/PROTOCOL.md, section 7):
 * - an *append* message is bare point bytes for the sender's latest stroke (BEGIN sets it, its
 *   end clears it), sent in its own frame type: three bytes for a mouse move;
 * - a committed stroke's document update names its handle instead of carrying the points again
 *   (`commitReference` on the sender, `resolveReference` on receivers), and needs no END: the
 *   committed shape replaces the live one on arrival.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { concatBytes, decodePoints, hasPressure, type FlatPoints } from './points'
import { MAX_POINTS_BYTES, parseStyle, type ShapeStyle } from './shapes'

export type FreehandType = 'pen' | 'highlighter'

export interface LiveStrokeView extends ShapeStyle {
  id: string
  type: FreehandType
  pressure: boolean
  points: FlatPoints
}

const BEGIN = 0
const POINTS = 1
const END = 2

/** A peer's stroke that stops growing for this long is dropped (it left, or crashed). */
export const STALE_MS = 15_000

interface Entry {
  id: string
  handle: number
  type: FreehandType
  style: ShapeStyle
  chunks: Uint8Array[]
  bytes: number
  view: LiveStrokeView | null
  updated: number
}

/** `append`: the message is bare point bytes continuing the sender's latest stroke. */
export type LiveSend = (message: Uint8Array, append: boolean) => void

/** Handles wrap here: small enough for one varint byte, far more than strokes in progress. */
const HANDLES = 64

export class LiveStrokes {
  readonly #local = new Map<string, Entry>()
  /** Remote strokes by peer, then by the sender's handle. */
  readonly #remote = new Map<string, Map<number, Entry>>()
  /** Each peer's latest begun stroke, which append messages continue. */
  readonly #latest = new Map<string, Entry>()
  /** Our latest begun stroke while it is in progress: the one append messages continue. */
  #latestLocal: Entry | null = null
  /** The local stroke whose commit is being written to the document right now. */
  #committing: Entry | null = null
  #nextHandle = 0
  readonly #listeners = new Set<() => void>()
  readonly #now: () => number
  #send: LiveSend = () => {}

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Where local stroke messages go (the composition root broadcasts them to peers). */
  connect(send: LiveSend): void {
    this.#send = send
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  views(): LiveStrokeView[] {
    const views: LiveStrokeView[] = []
    const collect = (entry: Entry) => {
      entry.view ??= toView(entry)
      if (entry.view) views.push(entry.view)
    }
    this.#local.forEach(collect)
    for (const strokes of this.#remote.values()) strokes.forEach(collect)
    return views
  }

  begin(id: string, type: FreehandType, style: ShapeStyle, first: Uint8Array): void {
    const handle = this.#nextHandle++ % HANDLES
    const entry: Entry = {
      id,
      handle,
      type,
      style,
      chunks: [first],
      bytes: first.length,
      view: null,
      updated: this.#now(),
    }
    this.#local.set(id, entry)
    this.#latestLocal = entry
    this.#send(encodeBegin(entry, first), false)
    this.#changed()
  }

  append(id: string, chunk: Uint8Array): void {
    const entry = this.#local.get(id)
    if (!entry) return
    add(entry, chunk, this.#now())
    if (entry === this.#latestLocal) this.#send(chunk, true)
    else this.#send(encodeMessage(POINTS, entry.handle, chunk), false)
    this.#changed()
  }

  /**
   * Runs `write` (which puts the finished stroke into the document) with the stroke marked as
   * committing, so that its update can refer to the points peers already hold; then ends the
   * stroke without an END message.
   */
  commit(id: string, write: () => void): void {
    const entry = this.#local.get(id)
    this.#committing = entry ?? null
    try {
      write()
    } finally {
      this.#committing = null
    }
    if (entry) this.#finish(entry)
  }

  /** Cancels a stroke in progress (peers drop it). */
  end(id: string): void {
    const entry = this.#local.get(id)
    if (!entry) return
    this.#send(encodeMessage(END, entry.handle), false)
    this.#finish(entry)
  }

  /** The points of the stroke being committed, which every peer holds under this handle. */
  commitReference(): { ref: number; bytes: Uint8Array } | null {
    const entry = this.#committing
    return entry ? { ref: entry.handle, bytes: concatBytes(entry.chunks) } : null
  }

  /** The points a peer streamed under `ref`, for an update of theirs that refers to them. */
  resolveReference(peer: string, ref: number): Uint8Array | null {
    const entry = this.#remote.get(peer)?.get(ref)
    return entry ? concatBytes(entry.chunks) : null
  }

  #finish(entry: Entry): void {
    this.#local.delete(entry.id)
    if (this.#latestLocal === entry) this.#latestLocal = null
    this.#changed()
  }

  /** What a newly connected peer needs to see our strokes in progress. */
  snapshot(): Uint8Array[] {
    return [...this.#local.values()].map((entry) => encodeBegin(entry, concatBytes(entry.chunks)))
  }

  /** Applies a peer's message; returns false when it was malformed (the caller may strike). */
  receive(peer: string, message: Uint8Array, append = false): boolean {
    if (append) return this.#receiveAppend(peer, message)
    let parsed: ReturnType<typeof decodeMessage>
    try {
      parsed = decodeMessage(message)
    } catch {
      return false
    }
    let strokes = this.#remote.get(peer)
    const entry = strokes?.get(parsed.handle)
    switch (parsed.kind) {
      case BEGIN: {
        if (!strokes) this.#remote.set(peer, (strokes = new Map()))
        const fresh: Entry = {
          id: parsed.id,
          handle: parsed.handle,
          type: parsed.type,
          style: parsed.style,
          chunks: [],
          bytes: 0,
          view: null,
          updated: 0,
        }
        if (!add(fresh, parsed.bytes, this.#now())) return false
        strokes.set(parsed.handle, fresh)
        this.#latest.set(peer, fresh)
        break
      }
      case POINTS:
        // A chunk of a stroke begun before we were connected: wait for its commit instead.
        if (!entry) return true
        if (!add(entry, parsed.bytes, this.#now())) {
          this.#forget(peer, entry)
          return false
        }
        break
      case END:
        if (entry) this.#forget(peer, entry)
        break
    }
    this.#changed()
    return true
  }

  #receiveAppend(peer: string, chunk: Uint8Array): boolean {
    const entry = this.#latest.get(peer)
    // The stroke ended or was dropped here (too big, stale): its commit will show it.
    if (!entry) return true
    if (!add(entry, chunk, this.#now())) {
      this.#forget(peer, entry)
      return false
    }
    this.#changed()
    return true
  }

  #forget(peer: string, entry: Entry): void {
    const strokes = this.#remote.get(peer)
    if (strokes?.get(entry.handle) === entry) strokes.delete(entry.handle)
    if (this.#latest.get(peer) === entry) this.#latest.delete(peer)
  }

  /** The committed shape has arrived: its live version is no longer needed. */
  dropStroke(id: string): void {
    // Our own strokes end explicitly (LiveStroke.commit), which also tells the peers.
    let changed = false
    for (const [peer, strokes] of this.#remote) {
      for (const entry of strokes.values()) {
        if (entry.id !== id) continue
        this.#forget(peer, entry)
        changed = true
      }
    }
    if (changed) this.#changed()
  }

  dropPeer(peer: string): void {
    this.#latest.delete(peer)
    if (this.#remote.delete(peer)) this.#changed()
  }

  /** Forgets peers' strokes that stopped growing (their author vanished mid-stroke). */
  prune(): void {
    const cutoff = this.#now() - STALE_MS
    let changed = false
    for (const [peer, strokes] of this.#remote) {
      for (const entry of strokes.values()) {
        if (entry.updated >= cutoff) continue
        this.#forget(peer, entry)
        changed = true
      }
    }
    if (changed) this.#changed()
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}

function add(entry: Entry, chunk: Uint8Array, now: number): boolean {
  if (entry.bytes + chunk.length > MAX_POINTS_BYTES) return false
  entry.chunks.push(chunk)
  entry.bytes += chunk.length
  entry.view = null
  entry.updated = now
  return true
}

function toView(entry: Entry): LiveStrokeView | null {
  const bytes = concatBytes(entry.chunks)
  try {
    return {
      id: entry.id,
      type: entry.type,
      ...entry.style,
      pressure: hasPressure(bytes),
      points: decodePoints(bytes),
    }
  } catch {
    return null
  }
}

function encodeMessage(kind: number, handle: number, bytes?: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kind)
  encoding.writeVarUint(encoder, handle)
  if (bytes) encoding.writeUint8Array(encoder, bytes)
  return encoding.toUint8Array(encoder)
}

function encodeBegin(entry: Entry, bytes: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, BEGIN)
  encoding.writeVarUint(encoder, entry.handle)
  encoding.writeVarString(encoder, entry.id)
  encoding.writeVarString(encoder, entry.type)
  encoding.writeVarString(encoder, entry.style.color)
  encoding.writeVarUint(encoder, Math.round(entry.style.size * 100))
  encoding.writeUint8Array(encoder, bytes)
  return encoding.toUint8Array(encoder)
}

type Decoded =
  | {
      kind: typeof BEGIN
      handle: number
      id: string
      type: FreehandType
      style: ShapeStyle
      bytes: Uint8Array
    }
  | { kind: typeof POINTS; handle: number; bytes: Uint8Array }
  | { kind: typeof END; handle: number }

function decodeMessage(message: Uint8Array): Decoded {
  const decoder = decoding.createDecoder(message)
  const kind = decoding.readVarUint(decoder)
  const handle = decoding.readVarUint(decoder)
  if (decoder.pos > message.length) throw new Error('truncated message')
  if (kind === END) return { kind, handle }
  if (kind === POINTS) return { kind, handle, bytes: message.subarray(decoder.pos) }
  if (kind !== BEGIN) throw new Error(`unknown live message ${kind}`)
  const id = decoding.readVarString(decoder)
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new Error('bad stroke id')
  const type = decoding.readVarString(decoder)
  if (type !== 'pen' && type !== 'highlighter') throw new Error('bad stroke type')
  const style = parseStyle({
    color: decoding.readVarString(decoder),
    size: decoding.readVarUint(decoder) / 100,
    fill: null,
  })
  if (!style) throw new Error('bad stroke style')
  return { kind, handle, id, type, style, bytes: message.subarray(decoder.pos) }
}
