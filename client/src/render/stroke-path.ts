/**
 * Stroke geometry. perfect-freehand turns the points into an outline whose width follows the
 * pen's pressure (or, for a mouse or finger, the drawing speed); the outline is filled.
 */
import { getStroke, type StrokeOptions } from 'perfect-freehand'
import type { FlatPoints } from '../board/points'

export interface PathSink {
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void
  closePath(): void
}

export interface StrokeGeometry {
  points: FlatPoints
  size: number
  /** The device reported pressure; otherwise it is simulated from speed. */
  pressure: boolean
}

/**
 * Low streamline: a live stroke's end must stay under the pointer, not trail behind it.
 */
function options(stroke: StrokeGeometry, complete: boolean): StrokeOptions {
  return {
    size: stroke.size,
    thinning: stroke.pressure ? 0.6 : 0.25,
    smoothing: 0.5,
    streamline: 0.15,
    simulatePressure: !stroke.pressure,
    last: complete,
  }
}

export function strokeOutline(stroke: StrokeGeometry, complete: boolean): number[][] {
  const input: number[][] = []
  const { points } = stroke
  for (let i = 0; i + 2 < points.length; i += 3) {
    input.push([points[i]!, points[i + 1]!, points[i + 2]!])
  }
  return getStroke(input, options(stroke, complete))
}

/** Traces a closed outline with quadratic curves through the midpoints of its edges. */
export function traceOutline(sink: PathSink, outline: readonly number[][]): void {
  const count = outline.length
  if (count < 3) return
  const first = outline[0]!
  const second = outline[1]!
  sink.moveTo((first[0]! + second[0]!) / 2, (first[1]! + second[1]!) / 2)
  for (let i = 1; i <= count; i++) {
    const point = outline[i % count]!
    const next = outline[(i + 1) % count]!
    sink.quadraticCurveTo(
      point[0]!,
      point[1]!,
      (point[0]! + next[0]!) / 2,
      (point[1]! + next[1]!) / 2,
    )
  }
  sink.closePath()
}
