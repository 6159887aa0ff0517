/**
 * Freehand strokes while they are being drawn, shared with peers as ephemeral messages rather
 * than document edits: a stroke grows on every screen once per input frame, and only the
 * finished stroke enters the Yjs document (one record). Nothing of the drawing process is kept
 * in the document's history, and a late joiner never downloads it.
 *
 * Message: varUint kind, varString strokeId, then
 *   BEGIN:  varString type, varString color, varUint size·100, then point-stream bytes
 *   POINTS: point-stream bytes continuing the stroke
 *   END:    nothing (the stroke was committed or cancelled)
 * Point-stream bytes are points.ts's format; BEGIN carries its header.
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
  type: FreehandType
  style: ShapeStyle
  chunks: Uint8Array[]
  bytes: number
  view: LiveStrokeView | null
  updated: number
}

export type LiveSend = (message: Uint8Array) => void

export class LiveStrokes {
  readonly #local = new Map<string, Entry>()
  /** Remote strokes by peer, then by stroke id. */
  readonly #remote = new Map<string, Map<string, Entry>>()
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
    this.#local.set(id, {
      id,
      type,
      style,
      chunks: [first],
      bytes: first.length,
      view: null,
      updated: this.#now(),
    })
    this.#send(encodeBegin(id, type, style, first))
    this.#changed()
  }

  append(id: string, chunk: Uint8Array): void {
    const entry = this.#local.get(id)
    if (!entry) return
    add(entry, chunk, this.#now())
    this.#send(encodeMessage(POINTS, id, chunk))
    this.#changed()
  }

  end(id: string): void {
    if (!this.#local.delete(id)) return
    this.#send(encodeMessage(END, id))
    this.#changed()
  }

  /** What a newly connected peer needs to see our strokes in progress. */
  snapshot(): Uint8Array[] {
    return [...this.#local.values()].map((entry) =>
      encodeBegin(entry.id, entry.type, entry.style, concatBytes(entry.chunks)),
    )
  }

  /** Applies a peer's message; returns false when it was malformed (the caller may strike). */
  receive(peer: string, message: Uint8Array): boolean {
    let parsed: ReturnType<typeof decodeMessage>
    try {
      parsed = decodeMessage(message)
    } catch {
      return false
    }
    let strokes = this.#remote.get(peer)
    const entry = strokes?.get(parsed.id)
    switch (parsed.kind) {
      case BEGIN: {
        if (!strokes) this.#remote.set(peer, (strokes = new Map()))
        const fresh: Entry = {
          id: parsed.id,
          type: parsed.type,
          style: parsed.style,
          chunks: [],
          bytes: 0,
          view: null,
          updated: 0,
        }
        if (!add(fresh, parsed.bytes, this.#now())) return false
        strokes.set(parsed.id, fresh)
        break
      }
      case POINTS:
        // A chunk of a stroke begun before we were connected: wait for its commit instead.
        if (!entry) return true
        if (!add(entry, parsed.bytes, this.#now())) {
          strokes?.delete(parsed.id)
          return false
        }
        break
      case END:
        strokes?.delete(parsed.id)
        break
    }
    this.#changed()
    return true
  }

  /** The committed shape has arrived: its live version is no longer needed. */
  dropStroke(id: string): void {
    let changed = this.#local.delete(id)
    for (const strokes of this.#remote.values()) changed = strokes.delete(id) || changed
    if (changed) this.#changed()
  }

  dropPeer(peer: string): void {
    if (this.#remote.delete(peer)) this.#changed()
  }

  /** Forgets peers' strokes that stopped growing (their author vanished mid-stroke). */
  prune(): void {
    const cutoff = this.#now() - STALE_MS
    let changed = false
    for (const strokes of this.#remote.values()) {
      for (const [id, entry] of strokes) {
        if (entry.updated < cutoff) changed = strokes.delete(id) || changed
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

function encodeMessage(kind: number, id: string, bytes?: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kind)
  encoding.writeVarString(encoder, id)
  if (bytes) encoding.writeUint8Array(encoder, bytes)
  return encoding.toUint8Array(encoder)
}

function encodeBegin(
  id: string,
  type: FreehandType,
  style: ShapeStyle,
  bytes: Uint8Array,
): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, BEGIN)
  encoding.writeVarString(encoder, id)
  encoding.writeVarString(encoder, type)
  encoding.writeVarString(encoder, style.color)
  encoding.writeVarUint(encoder, Math.round(style.size * 100))
  encoding.writeUint8Array(encoder, bytes)
  return encoding.toUint8Array(encoder)
}

type Decoded =
  | { kind: typeof BEGIN; id: string; type: FreehandType; style: ShapeStyle; bytes: Uint8Array }
  | { kind: typeof POINTS; id: string; bytes: Uint8Array }
  | { kind: typeof END; id: string }

function decodeMessage(message: Uint8Array): Decoded {
  const decoder = decoding.createDecoder(message)
  const kind = decoding.readVarUint(decoder)
  const id = decoding.readVarString(decoder)
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new Error('bad stroke id')
  if (kind === END) return { kind, id }
  if (kind === POINTS) return { kind, id, bytes: message.subarray(decoder.pos) }
  if (kind !== BEGIN) throw new Error(`unknown live message ${kind}`)
  const type = decoding.readVarString(decoder)
  if (type !== 'pen' && type !== 'highlighter') throw new Error('bad stroke type')
  const style = parseStyle({
    color: decoding.readVarString(decoder),
    size: decoding.readVarUint(decoder) / 100,
    fill: null,
  })
  if (!style) throw new Error('bad stroke style')
  return { kind, id, type, style, bytes: message.subarray(decoder.pos) }
}
