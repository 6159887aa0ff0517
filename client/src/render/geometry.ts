/**
 * Geometry of every shape type in board coordinates: bounds (for culling and export), hit
 * tests (for select and eraser), and the outline traced into any path sink (canvas Path2D on
 * screen and for PNG export; the SVG exporter has its own sink).
 */
import type { FlatPoints } from '../board/points'
import type { Shape } from '../board/shapes'
import { fontSize } from '../board/shapes'
import { strokeOutline, traceOutline, type PathSink } from './stroke-path'

export interface Bounds {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

export interface Point {
  x: number
  y: number
}

/** Text metrics are approximated without a canvas (also used headless, e.g. for SVG). */
export const TEXT_LINE_HEIGHT = 1.25
export const TEXT_CHAR_WIDTH = 0.6

export function textLines(text: string): string[] {
  return text.split('\n')
}

export function textBox(shape: { text: string; size: number }): { w: number; h: number } {
  const font = fontSize(shape.size)
  const lines = textLines(shape.text)
  const longest = Math.max(1, ...lines.map((line) => line.length))
  return { w: longest * font * TEXT_CHAR_WIDTH, h: lines.length * font * TEXT_LINE_HEIGHT }
}

export function shapeBounds(shape: Shape): Bounds {
  const pad =
    shape.type === 'text' ? 0 : shape.size / 2 + (shape.type === 'arrow' ? arrowReach(shape) : 0)
  switch (shape.type) {
    case 'pen':
    case 'highlighter':
      return pointsBounds(shape.points, shape.x, shape.y, pad)
    case 'line':
    case 'arrow':
      return {
        minX: Math.min(shape.x, shape.x + shape.dx) - pad,
        minY: Math.min(shape.y, shape.y + shape.dy) - pad,
        maxX: Math.max(shape.x, shape.x + shape.dx) + pad,
        maxY: Math.max(shape.y, shape.y + shape.dy) + pad,
      }
    case 'rect':
    case 'ellipse':
      return {
        minX: shape.x - pad,
        minY: shape.y - pad,
        maxX: shape.x + shape.w + pad,
        maxY: shape.y + shape.h + pad,
      }
    case 'text': {
      const box = textBox(shape)
      return { minX: shape.x, minY: shape.y, maxX: shape.x + box.w, maxY: shape.y + box.h }
    }
  }
}

function pointsBounds(points: FlatPoints, x: number, y: number, pad: number): Bounds {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let i = 0; i + 1 < points.length; i += 3) {
    const px = points[i]!
    const py = points[i + 1]!
    if (px < minX) minX = px
    if (px > maxX) maxX = px
    if (py < minY) minY = py
    if (py > maxY) maxY = py
  }
  return { minX: minX + x - pad, minY: minY + y - pad, maxX: maxX + x + pad, maxY: maxY + y + pad }
}

export function unionBounds(all: Iterable<Bounds>): Bounds | null {
  let result: Bounds | null = null
  for (const b of all) {
    result = result
      ? {
          minX: Math.min(result.minX, b.minX),
          minY: Math.min(result.minY, b.minY),
          maxX: Math.max(result.maxX, b.maxX),
          maxY: Math.max(result.maxY, b.maxY),
        }
      : { ...b }
  }
  return result
}

export function containsBounds(outer: Bounds, inner: Bounds): boolean {
  return (
    inner.minX >= outer.minX &&
    inner.maxX <= outer.maxX &&
    inner.minY >= outer.minY &&
    inner.maxY <= outer.maxY
  )
}

export function distanceToSegment(
  p: Point,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax
  const dy = by - ay
  const lengthSquared = dx * dx + dy * dy
  const t =
    lengthSquared === 0
      ? 0
      : Math.max(0, Math.min(1, ((p.x - ax) * dx + (p.y - ay) * dy) / lengthSquared))
  return Math.hypot(p.x - (ax + t * dx), p.y - (ay + t * dy))
}

/**
 * Does a circle of `radius` around `p` touch the shape? Outlines count for unfilled boxes and
 * ellipses (clicking inside an empty rectangle should not grab it), the area for filled ones
 * and for text.
 */
export function hitTest(shape: Shape, p: Point, radius: number): boolean {
  const reach = radius + shape.size / 2
  switch (shape.type) {
    case 'pen':
    case 'highlighter': {
      const { points } = shape
      if (points.length <= 3)
        return Math.hypot(p.x - shape.x - points[0]!, p.y - shape.y - points[1]!) <= reach
      for (let i = 0; i + 5 < points.length; i += 3) {
        const d = distanceToSegment(
          p,
          shape.x + points[i]!,
          shape.y + points[i + 1]!,
          shape.x + points[i + 3]!,
          shape.y + points[i + 4]!,
        )
        if (d <= reach) return true
      }
      return false
    }
    case 'line':
    case 'arrow':
      return distanceToSegment(p, shape.x, shape.y, shape.x + shape.dx, shape.y + shape.dy) <= reach
    case 'rect': {
      const { x, y, w, h } = shape
      const inside = p.x >= x && p.x <= x + w && p.y >= y && p.y <= y + h
      if (shape.fill && inside) return true
      return (
        distanceToSegment(p, x, y, x + w, y) <= reach ||
        distanceToSegment(p, x + w, y, x + w, y + h) <= reach ||
        distanceToSegment(p, x + w, y + h, x, y + h) <= reach ||
        distanceToSegment(p, x, y + h, x, y) <= reach
      )
    }
    case 'ellipse': {
      const rx = shape.w / 2
      const ry = shape.h / 2
      const cx = shape.x + rx
      const cy = shape.y + ry
      if (rx < 0.5 || ry < 0.5)
        return distanceToSegment(p, shape.x, shape.y, shape.x + shape.w, shape.y + shape.h) <= reach
      if (shape.fill && Math.hypot((p.x - cx) / rx, (p.y - cy) / ry) <= 1) return true
      return distanceToEllipse(p, cx, cy, rx, ry) <= reach
    }
    case 'text': {
      const b = shapeBounds(shape)
      return (
        p.x >= b.minX - radius &&
        p.x <= b.maxX + radius &&
        p.y >= b.minY - radius &&
        p.y <= b.maxY + radius
      )
    }
  }
}

/**
 * Distance from `p` to the outline of an axis-aligned ellipse: a few trig-free Newton steps on
 * the closest point in the first quadrant (the method of github.com/0xfaded/ellipse_demo).
 * A radial estimate such as |k − 1|·min(rx, ry) shrinks distances along the long axis, so a
 * flat ellipse would be hit from far beyond its tips.
 */
function distanceToEllipse(p: Point, cx: number, cy: number, rx: number, ry: number): number {
  const px = Math.abs(p.x - cx)
  const py = Math.abs(p.y - cy)
  let tx = Math.SQRT1_2
  let ty = Math.SQRT1_2
  for (let i = 0; i < 5; i++) {
    const ex = ((rx * rx - ry * ry) * tx ** 3) / rx
    const ey = ((ry * ry - rx * rx) * ty ** 3) / ry
    const r = Math.hypot(rx * tx - ex, ry * ty - ey)
    const q = Math.hypot(px - ex, py - ey)
    if (q === 0) break
    const nx = Math.min(1, Math.max(0, (((px - ex) * r) / q + ex) / rx))
    const ny = Math.min(1, Math.max(0, (((py - ey) * r) / q + ey) / ry))
    const t = Math.hypot(nx, ny)
    if (t === 0) break
    tx = nx / t
    ty = ny / t
  }
  return Math.hypot(px - rx * tx, py - ry * ty)
}

const ARROW_SPREAD = Math.PI / 7

function arrowBarb(size: number): number {
  return 8 + size * 3
}

/** How far the arrowhead reaches sideways beyond the line, outside the stroke width. */
function arrowReach(shape: { size: number }): number {
  return Math.max(shape.size * 3, arrowBarb(shape.size) * Math.sin(ARROW_SPREAD))
}

/** The arrowhead's two barbs, as line segments ending at the tip. */
export function arrowHead(shape: {
  x: number
  y: number
  dx: number
  dy: number
  size: number
}): [Point, Point] {
  const length = Math.hypot(shape.dx, shape.dy) || 1
  const ux = shape.dx / length
  const uy = shape.dy / length
  const barb = Math.min(length / 2, arrowBarb(shape.size))
  const tipX = shape.x + shape.dx
  const tipY = shape.y + shape.dy
  const spread = ARROW_SPREAD
  const rotate = (angle: number): Point => ({
    x: tipX - barb * (ux * Math.cos(angle) - uy * Math.sin(angle)),
    y: tipY - barb * (uy * Math.cos(angle) + ux * Math.sin(angle)),
  })
  return [rotate(spread), rotate(-spread)]
}

/** The filled outline of a freehand stroke, placed at the shape's position. */
export function traceFreehand(
  sink: PathSink,
  stroke: { points: FlatPoints; size: number; pressure: boolean; x: number; y: number },
  complete: boolean,
): void {
  const outline = strokeOutline(stroke, complete)
  if (stroke.x !== 0 || stroke.y !== 0) {
    for (const point of outline) {
      point[0] = point[0]! + stroke.x
      point[1] = point[1]! + stroke.y
    }
  }
  traceOutline(sink, outline)
}
