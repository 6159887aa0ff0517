/**
 * Stroke geometry: a smooth path through the points (quadratic curves between midpoints),
 * which hides the polyline corners of sparse pointer samples.
 */
import type { FlatPoints } from '../board/points'

export interface PathSink {
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void
  arc(x: number, y: number, r: number, start: number, end: number): void
}

export function traceStroke(sink: PathSink, points: FlatPoints, size: number): void {
  const count = Math.floor(points.length / 3)
  if (count === 0) return
  const x0 = points[0]!
  const y0 = points[1]!
  if (count === 1) {
    sink.moveTo(x0 + size / 2, y0)
    sink.arc(x0, y0, size / 2, 0, Math.PI * 2)
    return
  }
  sink.moveTo(x0, y0)
  for (let i = 1; i < count - 1; i++) {
    const x = points[i * 3]!
    const y = points[i * 3 + 1]!
    const nx = points[i * 3 + 3]!
    const ny = points[i * 3 + 4]!
    sink.quadraticCurveTo(x, y, (x + nx) / 2, (y + ny) / 2)
  }
  sink.lineTo(points[(count - 1) * 3]!, points[(count - 1) * 3 + 1]!)
}

/** A single dot is filled, everything else stroked. */
export function isDot(points: FlatPoints): boolean {
  return points.length <= 3
}

export interface Bounds {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

export function strokeBounds(points: FlatPoints, size: number): Bounds {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let i = 0; i + 1 < points.length; i += 3) {
    const x = points[i]!
    const y = points[i + 1]!
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  const pad = size / 2
  return { minX: minX - pad, minY: minY - pad, maxX: maxX + pad, maxY: maxY + pad }
}
