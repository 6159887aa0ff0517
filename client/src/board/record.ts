/**
 * How a shape's base record is stored in the `shapes` map: a flat array rather than the
 * object form of StoredFields. An object costs every record its key strings on the wire
 * ("g", "type", "points", "s", "color", …: about 35 bytes of a 190-byte stroke) and a string
 * decode per key on every peer that loads the board, which dominated a late joiner's sync.
 *
 *   [typeCode, color, size, fill, z, x, y, ...geometry]
 *   geometry: freehand → points bytes; line/arrow → dx, dy; rect/ellipse → w, h; text → text
 *
 * Records in the earlier object form (boards saved before) are still read. Nothing here is
 * trusted: `decodeRecord` only reshapes, and parseShape validates the result.
 */
import * as Y from 'yjs'
import type { StoredFields } from './shapes'

const TYPES = ['pen', 'highlighter', 'line', 'arrow', 'rect', 'ellipse', 'text'] as const
type ShapeType = (typeof TYPES)[number]

const CODES = new Map<unknown, number>(TYPES.map((type, code) => [type, code]))

/** The stored array for logical fields; null when the geometry has no known type. */
export function encodeRecord(fields: StoredFields): unknown[] | null {
  const g = fields.g as Record<string, unknown> | null
  const code = typeof g === 'object' && g !== null ? CODES.get(g.type) : undefined
  if (code === undefined || !g) return null
  const s = (typeof fields.s === 'object' && fields.s !== null ? fields.s : {}) as Record<
    string,
    unknown
  >
  const head = [code, s.color, s.size, s.fill ?? null, fields.z, fields.x ?? 0, fields.y ?? 0]
  return [...head, ...geometryValues(TYPES[code] as ShapeType, g)]
}

function geometryValues(type: ShapeType, g: Record<string, unknown>): unknown[] {
  switch (type) {
    case 'pen':
    case 'highlighter':
      return [g.points]
    case 'line':
    case 'arrow':
      return [g.dx, g.dy]
    case 'rect':
    case 'ellipse':
      return [g.w, g.h]
    case 'text':
      return [g.text]
  }
}

/** Logical fields of a stored record (either form), unvalidated; null when it is neither. */
export function decodeRecord(value: unknown): StoredFields | null {
  if (Array.isArray(value)) {
    const [code, color, size, fill, z, x, y, a, b] = value as unknown[]
    const type = typeof code === 'number' ? TYPES[code] : undefined
    if (type === undefined) return null
    return { g: geometry(type, a, b), s: { color, size, fill }, z, x, y }
  }
  // The object form; Yjs types (a nested Y.Map, say) are not records.
  if (typeof value === 'object' && value !== null && !(value instanceof Y.AbstractType)) {
    return value as StoredFields
  }
  return null
}

function geometry(type: ShapeType, a: unknown, b: unknown): Record<string, unknown> {
  switch (type) {
    case 'pen':
    case 'highlighter':
      return { type, points: a }
    case 'line':
    case 'arrow':
      return { type, dx: a, dy: b }
    case 'rect':
    case 'ellipse':
      return { type, w: a, h: b }
    case 'text':
      return { type, text: a }
  }
}
