/**
 * Shapes as stored in the Yjs document, and their validation on read: any peer can write
 * anything into the document, so nothing reaches the renderer or an export without passing
 * parseShape.
 *
 * Each shape is a Y.Map with independent fields, so that concurrent edits of different
 * properties (one person moves a shape while another recolours it) both survive:
 *   g: geometry (type + what the type needs; replaced whole)
 *   s: style { color, size, fill }
 *   z: paint order
 *   x, y: position of the geometry's origin (absent = 0)
 */
import { decodePoints, hasPressure, type FlatPoints } from './points'

export const SHAPE_TYPES = [
  'pen',
  'highlighter',
  'line',
  'arrow',
  'rect',
  'ellipse',
  'text',
] as const
export type ShapeType = (typeof SHAPE_TYPES)[number]

export interface ShapeStyle {
  color: string
  /** Stroke width in board units (text: derives the font size). */
  size: number
  /** Fill colour of rectangles and ellipses, or null for none. */
  fill: string | null
}

export type Geometry =
  | { type: 'pen' | 'highlighter'; points: Uint8Array }
  | { type: 'line' | 'arrow'; dx: number; dy: number }
  | { type: 'rect' | 'ellipse'; w: number; h: number }
  | { type: 'text'; text: string }

interface ShapeBase extends ShapeStyle {
  id: string
  z: number
  x: number
  y: number
}

export interface FreehandShape extends ShapeBase {
  type: 'pen' | 'highlighter'
  /** Relative to (x, y). */
  points: FlatPoints
  /** The device reported pressure (a pen); otherwise pressures are a flat 0.5. */
  pressure: boolean
}

export interface LineShape extends ShapeBase {
  type: 'line' | 'arrow'
  /** From (x, y) to (x + dx, y + dy). */
  dx: number
  dy: number
}

export interface BoxShape extends ShapeBase {
  type: 'rect' | 'ellipse'
  /** (x, y) is the top-left corner. */
  w: number
  h: number
}

export interface TextShape extends ShapeBase {
  type: 'text'
  text: string
}

export type Shape = FreehandShape | LineShape | BoxShape | TextShape

/** The stored fields of one shape, as read from its Y.Map (untrusted). */
export interface StoredFields {
  g: unknown
  s: unknown
  z: unknown
  x?: unknown
  y?: unknown
}

export const MAX_POINTS_BYTES = 1024 * 1024
export const MAX_TEXT_LENGTH = 20_000
export const MIN_SIZE = 0.5
export const MAX_SIZE = 256
/** Far beyond any drawing, near enough that float maths stays exact to a pixel. */
export const MAX_COORDINATE = 1e7
const COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/
const ID = /^[A-Za-z0-9_-]{1,64}$/

export function fontSize(size: number): number {
  return 12 + size * 3
}

export function isColor(value: unknown): value is string {
  return typeof value === 'string' && COLOR.test(value)
}

export function parseStyle(value: unknown): ShapeStyle | null {
  if (typeof value !== 'object' || value === null) return null
  const { color, size, fill } = value as Record<string, unknown>
  if (!isColor(color)) return null
  if (typeof size !== 'number' || !(size >= MIN_SIZE && size <= MAX_SIZE)) return null
  if (fill !== null && fill !== undefined && !isColor(fill)) return null
  return { color, size, fill: fill ?? null }
}

function coordinate(value: unknown, fallback?: number): number | null {
  if (value === undefined && fallback !== undefined) return fallback
  return typeof value === 'number' && Math.abs(value) <= MAX_COORDINATE ? value : null
}

type ParsedGeometry =
  | Pick<FreehandShape, 'type' | 'points' | 'pressure'>
  | Pick<LineShape, 'type' | 'dx' | 'dy'>
  | Pick<BoxShape, 'type' | 'w' | 'h'>
  | Pick<TextShape, 'type' | 'text'>

function parseGeometry(value: unknown): ParsedGeometry | null {
  if (typeof value !== 'object' || value === null) return null
  const g = value as Record<string, unknown>
  switch (g.type) {
    case 'pen':
    case 'highlighter': {
      if (!(g.points instanceof Uint8Array) || g.points.length > MAX_POINTS_BYTES) return null
      let points: FlatPoints
      try {
        points = decodePoints(g.points, MAX_COORDINATE)
      } catch {
        return null
      }
      if (points.length === 0) return null
      return { type: g.type, points, pressure: hasPressure(g.points) }
    }
    case 'line':
    case 'arrow': {
      const dx = coordinate(g.dx)
      const dy = coordinate(g.dy)
      return dx === null || dy === null ? null : { type: g.type, dx, dy }
    }
    case 'rect':
    case 'ellipse': {
      const w = coordinate(g.w)
      const h = coordinate(g.h)
      return w === null || h === null || w < 0 || h < 0 ? null : { type: g.type, w, h }
    }
    case 'text':
      return typeof g.text === 'string' && g.text.length <= MAX_TEXT_LENGTH
        ? { type: 'text', text: g.text }
        : null
    default:
      return null
  }
}

export function parseShape(id: string, fields: StoredFields): Shape | null {
  if (!ID.test(id)) return null
  const geometry = parseGeometry(fields.g)
  const style = parseStyle(fields.s)
  const z = fields.z
  const x = coordinate(fields.x, 0)
  const y = coordinate(fields.y, 0)
  if (!geometry || !style || x === null || y === null) return null
  if (typeof z !== 'number' || !Number.isFinite(z)) return null
  return { id, z, x, y, ...style, ...geometry } as Shape
}

/** Paint order: z, then id, so every peer stacks concurrent shapes the same way. */
export function compareShapes(a: Shape, b: Shape): number {
  return a.z - b.z || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
