/**
 * Shapes as stored in the Yjs document, and their validation on read: any peer can write
 * anything into the document, so nothing reaches the renderer without passing parseShape.
 */
import { decodePoints, hasPressure, type FlatPoints } from './points'

export interface StrokeStyle {
  color: string
  size: number
}

/** The stored form of a pen stroke (the value in the `shapes` map, keyed by id). */
export interface StrokeRecord extends StrokeStyle {
  type: 'pen'
  points: Uint8Array
  z: number
}

export interface StrokeShape extends StrokeStyle {
  id: string
  type: 'pen'
  points: FlatPoints
  /** The device reported pressure (a pen); otherwise pressures are a flat 0.5. */
  pressure: boolean
  z: number
}

export type Shape = StrokeShape

export const MAX_POINTS_BYTES = 1024 * 1024
export const MIN_SIZE = 0.5
export const MAX_SIZE = 256
const COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/
const ID = /^[A-Za-z0-9_-]{1,64}$/

export function isValidStyle(value: Record<string, unknown>): boolean {
  const { color, size } = value
  return (
    typeof color === 'string' &&
    COLOR.test(color) &&
    typeof size === 'number' &&
    size >= MIN_SIZE &&
    size <= MAX_SIZE
  )
}

export function parseShape(id: string, value: unknown): Shape | null {
  if (!ID.test(id) || typeof value !== 'object' || value === null) return null
  const record = value as Record<string, unknown>
  if (record.type !== 'pen' || !isValidStyle(record)) return null
  const { points, z } = record
  if (!(points instanceof Uint8Array) || points.length > MAX_POINTS_BYTES) return null
  if (typeof z !== 'number' || !Number.isFinite(z)) return null
  let decoded: FlatPoints
  try {
    decoded = decodePoints(points)
  } catch {
    return null
  }
  if (decoded.length === 0) return null
  return {
    id,
    type: 'pen',
    points: decoded,
    pressure: hasPressure(points),
    color: record.color as string,
    size: record.size as number,
    z,
  }
}

/** Paint order: z, then id, so every peer stacks concurrent shapes the same way. */
export function compareShapes(a: Shape, b: Shape): number {
  return a.z - b.z || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
