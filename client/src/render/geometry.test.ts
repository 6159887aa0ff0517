import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  fontSize,
  type BoxShape,
  type FreehandShape,
  type LineShape,
  type TextShape,
} from '../board/shapes'
import {
  arrowHead,
  containsBounds,
  distanceToSegment,
  hitTest,
  shapeBounds,
  textBox,
  unionBounds,
  type Bounds,
  type Point,
} from './geometry'

const ink = { id: 'shape1', z: 1, color: '#1e1e1e', fill: null }

function freehand(
  points: number[],
  options: { x?: number; y?: number; size?: number; type?: 'pen' | 'highlighter' } = {},
): FreehandShape {
  const { x = 0, y = 0, size = 4, type = 'pen' } = options
  return { ...ink, type, points, pressure: false, x, y, size }
}

function line(
  x: number,
  y: number,
  dx: number,
  dy: number,
  options: { size?: number; type?: 'line' | 'arrow' } = {},
): LineShape {
  const { size = 4, type = 'line' } = options
  return { ...ink, type, x, y, dx, dy, size }
}

function box(
  type: 'rect' | 'ellipse',
  x: number,
  y: number,
  w: number,
  h: number,
  options: { size?: number; fill?: string | null } = {},
): BoxShape {
  const { size = 4, fill = null } = options
  return { ...ink, type, x, y, w, h, size, fill }
}

function text(value: string, x: number, y: number, size = 4): TextShape {
  return { ...ink, type: 'text', text: value, x, y, size }
}

const coordinate = fc.double({ min: -5000, max: 5000, noNaN: true })
const point = fc.record({ x: coordinate, y: coordinate })
const bounds: fc.Arbitrary<Bounds> = fc
  .tuple(
    coordinate,
    coordinate,
    fc.double({ min: 0, max: 3000, noNaN: true }),
    fc.double({ min: 0, max: 3000, noNaN: true }),
  )
  .map(([minX, minY, w, h]) => ({ minX, minY, maxX: minX + w, maxY: minY + h }))

/** Distance to an ellipse's outline by brute force: a fine inscribed polygon. */
function bruteDistanceToEllipse(p: Point, shape: BoxShape): number {
  const rx = shape.w / 2
  const ry = shape.h / 2
  const cx = shape.x + rx
  const cy = shape.y + ry
  const steps = 4096
  let best = Infinity
  for (let i = 0; i < steps; i++) {
    const a = (2 * Math.PI * i) / steps
    const b = (2 * Math.PI * (i + 1)) / steps
    best = Math.min(
      best,
      distanceToSegment(
        p,
        cx + rx * Math.cos(a),
        cy + ry * Math.sin(a),
        cx + rx * Math.cos(b),
        cy + ry * Math.sin(b),
      ),
    )
  }
  return best
}

describe('shapeBounds', () => {
  it('bounds pen and highlighter points, shifted by the shape position and padded by half the size', () => {
    const points = [0, 0, 0.5, 10, -5, 0.5, 4, 20, 0.5]
    expect(shapeBounds(freehand(points, { x: 100, y: 50, size: 4 }))).toEqual({
      minX: 98,
      minY: 43,
      maxX: 112,
      maxY: 72,
    })
    expect(shapeBounds(freehand(points, { x: -10, y: 0, size: 16, type: 'highlighter' }))).toEqual({
      minX: -18,
      minY: -13,
      maxX: 8,
      maxY: 28,
    })
  })

  it('bounds a single-point stroke as a dot', () => {
    expect(shapeBounds(freehand([3, 4, 0.5], { x: 1, y: 1, size: 2 }))).toEqual({
      minX: 3,
      minY: 4,
      maxX: 5,
      maxY: 6,
    })
  })

  it('bounds a line the same whichever way it was drawn', () => {
    const expected = { minX: 8, minY: -32, maxX: 42, maxY: 12 }
    expect(shapeBounds(line(10, 10, 30, -40))).toEqual(expected)
    expect(shapeBounds(line(40, -30, -30, 40))).toEqual(expected)
    expect(shapeBounds(line(10, -30, 30, 40))).toEqual(expected)
    expect(shapeBounds(line(40, 10, -30, -40))).toEqual(expected)
  })

  it('pads an arrow more than a line, for its head', () => {
    const plain = shapeBounds(line(0, 0, 100, 50))
    const arrow = shapeBounds(line(0, 0, 100, 50, { type: 'arrow' }))
    expect(containsBounds(arrow, plain)).toBe(true)
    // size 4: half the stroke plus three sizes of head.
    expect(arrow).toEqual({ minX: -14, minY: -14, maxX: 114, maxY: 64 })
  })

  it('bounds rectangles and ellipses by their box plus half the stroke', () => {
    for (const type of ['rect', 'ellipse'] as const) {
      expect(shapeBounds(box(type, -20, 30, 100, 40, { size: 6 }))).toEqual({
        minX: -23,
        minY: 27,
        maxX: 83,
        maxY: 73,
      })
    }
  })

  it('bounds text by its estimated box, without padding', () => {
    const shape = text('hello\nworld!', 10, 20, 4)
    const font = fontSize(4)
    expect(textBox(shape)).toEqual({ w: 6 * font * 0.6, h: 2 * font * 1.25 })
    expect(shapeBounds(shape)).toEqual({
      minX: 10,
      minY: 20,
      maxX: 10 + 6 * font * 0.6,
      maxY: 20 + 2 * font * 1.25,
    })
    // An empty text still has the room of one character, so it can be found and clicked.
    const empty = shapeBounds(text('', 0, 0, 4))
    expect(empty.maxX).toBeGreaterThan(0)
    expect(empty.maxY).toBeGreaterThan(0)
  })
})

describe('hitTest', () => {
  // size 4 and radius 6: anything within 8 of the geometry is a hit.
  const radius = 6
  const reach = 8

  it('hits a freehand stroke on and near its path, at its position, and not far from it', () => {
    for (const type of ['pen', 'highlighter'] as const) {
      const stroke = freehand([0, 0, 0.5, 100, 0, 0.5, 100, 100, 0.5], { x: 10, y: 20, type })
      expect(hitTest(stroke, { x: 60, y: 20 }, radius)).toBe(true)
      expect(hitTest(stroke, { x: 110, y: 70 }, radius)).toBe(true)
      expect(hitTest(stroke, { x: 60, y: 20 + reach - 0.1 }, radius)).toBe(true)
      expect(hitTest(stroke, { x: 60, y: 20 + reach + 0.1 }, radius)).toBe(false)
      expect(hitTest(stroke, { x: 10 - reach + 0.1, y: 20 }, radius)).toBe(true)
      expect(hitTest(stroke, { x: 10 - reach - 0.1, y: 20 }, radius)).toBe(false)
      // Inside the bend, away from both segments.
      expect(hitTest(stroke, { x: 60, y: 60 }, radius)).toBe(false)
      // On the points as stored, but the shape sits at (10, 20).
      expect(hitTest(stroke, { x: 50, y: 0 }, radius)).toBe(false)
      expect(hitTest(stroke, { x: 500, y: 500 }, radius)).toBe(false)
    }
  })

  it('hits a single-point stroke as a dot', () => {
    const dot = freehand([5, 5, 0.5], { x: 10, y: 10 })
    expect(hitTest(dot, { x: 15, y: 15 }, radius)).toBe(true)
    expect(hitTest(dot, { x: 15 + reach - 0.1, y: 15 }, radius)).toBe(true)
    expect(hitTest(dot, { x: 15 + reach + 0.1, y: 15 }, radius)).toBe(false)
  })

  it('hits lines and arrows along the segment and around its round ends, in every direction', () => {
    const directions = [
      [100, 0],
      [-100, 0],
      [0, -80],
      [-60, 45],
      [30, 70],
    ] as const
    for (const type of ['line', 'arrow'] as const) {
      for (const [dx, dy] of directions) {
        const shape = line(10, 10, dx, dy, { type })
        const length = Math.hypot(dx, dy)
        const [ux, uy] = [dx / length, dy / length]
        const mid = { x: 10 + dx / 2, y: 10 + dy / 2 }
        const end = { x: 10 + dx, y: 10 + dy }
        const at = (from: Point, ox: number, oy: number, d: number) => ({
          x: from.x + ox * d,
          y: from.y + oy * d,
        })
        expect(hitTest(shape, mid, radius)).toBe(true)
        expect(hitTest(shape, at(mid, -uy, ux, reach - 0.1), radius)).toBe(true)
        expect(hitTest(shape, at(mid, uy, -ux, reach - 0.1), radius)).toBe(true)
        expect(hitTest(shape, at(mid, -uy, ux, reach + 0.1), radius)).toBe(false)
        expect(hitTest(shape, at(end, ux, uy, reach - 0.1), radius)).toBe(true)
        expect(hitTest(shape, at(end, ux, uy, reach + 0.1), radius)).toBe(false)
        expect(hitTest(shape, at({ x: 10, y: 10 }, -ux, -uy, reach + 0.1), radius)).toBe(false)
        expect(hitTest(shape, at(end, ux, uy, 300), radius)).toBe(false)
      }
    }
  })

  it('hits an unfilled rectangle on its outline only, a filled one inside too', () => {
    const outline = box('rect', 0, 0, 100, 60)
    expect(hitTest(outline, { x: 50, y: 0 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 100, y: 30 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 50, y: -(reach - 0.1) }, radius)).toBe(true)
    expect(hitTest(outline, { x: 50, y: reach - 0.1 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 50, y: -(reach + 0.1) }, radius)).toBe(false)
    expect(hitTest(outline, { x: 50, y: reach + 0.1 }, radius)).toBe(false)
    expect(hitTest(outline, { x: 50, y: 30 }, radius)).toBe(false)
    expect(hitTest(outline, { x: -5, y: -5 }, radius)).toBe(true)
    expect(hitTest(outline, { x: -6, y: -6 }, radius)).toBe(false)
    expect(hitTest(outline, { x: 400, y: 30 }, radius)).toBe(false)

    const filled = box('rect', 0, 0, 100, 60, { fill: '#ffec99' })
    expect(hitTest(filled, { x: 50, y: 30 }, radius)).toBe(true)
    expect(hitTest(filled, { x: 50, y: -(reach - 0.1) }, radius)).toBe(true)
    expect(hitTest(filled, { x: 50, y: -(reach + 0.1) }, radius)).toBe(false)
    expect(hitTest(filled, { x: 400, y: 30 }, radius)).toBe(false)
  })

  it('hits an unfilled ellipse on its outline only, a filled one inside too', () => {
    // Centre (100, 50), radii 100 and 50.
    const outline = box('ellipse', 0, 0, 200, 100)
    expect(hitTest(outline, { x: 200, y: 50 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 100, y: 0 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 0, y: 50 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 100, y: reach - 0.1 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 100, y: -(reach - 0.1) }, radius)).toBe(true)
    expect(hitTest(outline, { x: 100, y: -(reach + 0.1) }, radius)).toBe(false)
    expect(hitTest(outline, { x: 200 + reach - 0.1, y: 50 }, radius)).toBe(true)
    expect(hitTest(outline, { x: 200 + reach + 0.1, y: 50 }, radius)).toBe(false)
    expect(hitTest(outline, { x: 100, y: 50 }, radius)).toBe(false)
    // The bounding box's corner is far from the curve.
    expect(hitTest(outline, { x: 2, y: 2 }, radius)).toBe(false)

    const filled = box('ellipse', 0, 0, 200, 100, { fill: '#ffec99' })
    expect(hitTest(filled, { x: 100, y: 50 }, radius)).toBe(true)
    expect(hitTest(filled, { x: 100, y: -(reach - 0.1) }, radius)).toBe(true)
    expect(hitTest(filled, { x: 2, y: 2 }, radius)).toBe(false)
    expect(hitTest(filled, { x: 400, y: 50 }, radius)).toBe(false)
  })

  it('does not hit a flat ellipse from far beyond its tips', () => {
    // Centre (100, 10), radii 100 and 10: the right tip is at (200, 10).
    const flat = box('ellipse', 0, 0, 200, 20)
    expect(hitTest(flat, { x: 205, y: 10 }, radius)).toBe(true)
    expect(hitTest(flat, { x: 250, y: 10 }, radius)).toBe(false)
    expect(hitTest(flat, { x: -50, y: 10 }, radius)).toBe(false)
    expect(hitTest(flat, { x: 100, y: -(reach - 0.1) }, radius)).toBe(true)
    expect(hitTest(flat, { x: 100, y: -(reach + 0.1) }, radius)).toBe(false)
  })

  it('hits an ellipse exactly where its outline is within reach (against brute force)', () => {
    const ellipse = fc
      .record({
        x: fc.integer({ min: -500, max: 500 }),
        y: fc.integer({ min: -500, max: 500 }),
        w: fc.integer({ min: 2, max: 800 }),
        h: fc.integer({ min: 2, max: 800 }),
        size: fc.integer({ min: 1, max: 16 }),
      })
      .map(({ x, y, w, h, size }) => box('ellipse', x, y, w, h, { size }))
    const sample = fc.record({
      angle: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
      // Along the radius through the outline point: inside, on it, or beyond it.
      scale: fc.double({ min: 0, max: 1.6, noNaN: true }),
      r: fc.double({ min: 0, max: 12, noNaN: true }),
    })
    fc.assert(
      fc.property(ellipse, sample, (shape, { angle, scale, r }) => {
        const rx = shape.w / 2
        const ry = shape.h / 2
        const p = {
          x: shape.x + rx + rx * scale * Math.cos(angle),
          y: shape.y + ry + ry * scale * Math.sin(angle),
        }
        const distance = bruteDistanceToEllipse(p, shape)
        const within = r + shape.size / 2
        if (distance <= within - 0.05) expect(hitTest(shape, p, r)).toBe(true)
        if (distance >= within + 0.05) expect(hitTest(shape, p, r)).toBe(false)
      }),
      { numRuns: 300 },
    )
  }, 30_000)

  it('treats an ellipse with no width or height as a segment', () => {
    const thin = box('ellipse', 0, 0, 0, 100)
    expect(hitTest(thin, { x: 5, y: 50 }, radius)).toBe(true)
    expect(hitTest(thin, { x: reach + 0.1, y: 50 }, radius)).toBe(false)
  })

  it('hits text anywhere in its box, with the radius around it', () => {
    const shape = text('hello\nworld!', 10, 20)
    const b = shapeBounds(shape)
    expect(hitTest(shape, { x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2 }, radius)).toBe(
      true,
    )
    expect(hitTest(shape, { x: b.maxX + radius - 0.1, y: b.maxY }, radius)).toBe(true)
    expect(hitTest(shape, { x: b.maxX + radius + 0.1, y: b.maxY }, radius)).toBe(false)
    expect(hitTest(shape, { x: b.minX, y: b.minY - radius - 0.1 }, radius)).toBe(false)
    expect(hitTest(shape, { x: b.minX - radius + 0.1, y: b.minY }, radius)).toBe(true)
  })
})

describe('bounds helpers', () => {
  it('unionBounds contains every input and is no larger than needed', () => {
    fc.assert(
      fc.property(fc.array(bounds, { minLength: 1, maxLength: 12 }), (all) => {
        const union = unionBounds(all)!
        for (const b of all) expect(containsBounds(union, b)).toBe(true)
        expect(all.some((b) => b.minX === union.minX)).toBe(true)
        expect(all.some((b) => b.minY === union.minY)).toBe(true)
        expect(all.some((b) => b.maxX === union.maxX)).toBe(true)
        expect(all.some((b) => b.maxY === union.maxY)).toBe(true)
      }),
    )
  })

  it('unionBounds of nothing is null, of one box a copy of it', () => {
    expect(unionBounds([])).toBeNull()
    const only = { minX: 1, minY: 2, maxX: 3, maxY: 4 }
    const union = unionBounds([only])
    expect(union).toEqual(only)
    expect(union).not.toBe(only)
  })

  it('containsBounds holds for a box itself and anything inside it, not for anything grown', () => {
    const fraction = fc.double({ min: 0, max: 0.5, noNaN: true })
    const margin = fc.double({ min: 0.01, max: 100, noNaN: true })
    const insets = fc.tuple(fraction, fraction, fraction, fraction)
    fc.assert(
      fc.property(bounds, insets, margin, fc.integer({ min: 0, max: 3 }), (b, inset, m, side) => {
        expect(containsBounds(b, b)).toBe(true)
        const [w, h] = [b.maxX - b.minX, b.maxY - b.minY]
        const inner = {
          minX: b.minX + w * inset[0],
          minY: b.minY + h * inset[1],
          maxX: b.maxX - w * inset[2],
          maxY: b.maxY - h * inset[3],
        }
        expect(containsBounds(b, inner)).toBe(true)
        const grown = { ...b }
        if (side === 0) grown.minX -= m
        if (side === 1) grown.minY -= m
        if (side === 2) grown.maxX += m
        if (side === 3) grown.maxY += m
        expect(containsBounds(b, grown)).toBe(false)
        expect(containsBounds(grown, b)).toBe(true)
      }),
    )
  })

  it('distanceToSegment is ≥ 0, 0 at both ends, no more than to either end, and symmetric', () => {
    fc.assert(
      fc.property(point, point, point, (p, a, b) => {
        const d = distanceToSegment(p, a.x, a.y, b.x, b.y)
        expect(d).toBeGreaterThanOrEqual(0)
        expect(distanceToSegment(a, a.x, a.y, b.x, b.y)).toBe(0)
        expect(distanceToSegment(b, a.x, a.y, b.x, b.y)).toBeLessThan(1e-9)
        const tolerance = 1e-9 * (1 + Math.hypot(p.x - a.x, p.y - a.y))
        expect(d).toBeLessThanOrEqual(Math.hypot(p.x - a.x, p.y - a.y) + tolerance)
        expect(d).toBeLessThanOrEqual(Math.hypot(p.x - b.x, p.y - b.y) + tolerance)
        expect(distanceToSegment(p, b.x, b.y, a.x, a.y)).toBeCloseTo(d, 6)
      }),
    )
  })

  it('distanceToSegment is the perpendicular offset beside the segment', () => {
    const t = fc.double({ min: 0, max: 1, noNaN: true })
    const offset = fc.double({ min: -1000, max: 1000, noNaN: true })
    fc.assert(
      fc.property(point, point, t, offset, (a, b, along, side) => {
        const length = Math.hypot(b.x - a.x, b.y - a.y)
        fc.pre(length > 1)
        const [nx, ny] = [-(b.y - a.y) / length, (b.x - a.x) / length]
        const p = {
          x: a.x + (b.x - a.x) * along + nx * side,
          y: a.y + (b.y - a.y) * along + ny * side,
        }
        expect(distanceToSegment(p, a.x, a.y, b.x, b.y)).toBeCloseTo(Math.abs(side), 6)
      }),
    )
  })

  it('distanceToSegment of a zero-length segment is the distance to its point', () => {
    expect(distanceToSegment({ x: 3, y: 4 }, 0, 0, 0, 0)).toBe(5)
  })
})

describe('arrowHead', () => {
  const arrows = fc
    .record({
      x: fc.integer({ min: -1000, max: 1000 }),
      y: fc.integer({ min: -1000, max: 1000 }),
      dx: fc.integer({ min: -500, max: 500 }),
      dy: fc.integer({ min: -500, max: 500 }),
      size: fc.double({ min: 0.5, max: 64, noNaN: true }),
    })
    .filter(({ dx, dy }) => dx !== 0 || dy !== 0)

  it('puts both barbs behind the tip, at the barb length, symmetric about the shaft', () => {
    fc.assert(
      fc.property(arrows, (arrow) => {
        const tip = { x: arrow.x + arrow.dx, y: arrow.y + arrow.dy }
        const length = Math.hypot(arrow.dx, arrow.dy)
        const [ux, uy] = [arrow.dx / length, arrow.dy / length]
        const barb = Math.min(length / 2, 8 + arrow.size * 3)
        const [left, right] = arrowHead(arrow)
        const sides: number[] = []
        for (const end of [left, right]) {
          const [bx, by] = [end.x - tip.x, end.y - tip.y]
          expect(Math.hypot(bx, by)).toBeCloseTo(barb, 6)
          // Backwards along the shaft at π/7 from it.
          expect(bx * ux + by * uy).toBeCloseTo(-barb * Math.cos(Math.PI / 7), 6)
          sides.push(bx * -uy + by * ux)
        }
        expect(sides[0]).toBeCloseTo(-sides[1]!, 6)
        expect(Math.abs(sides[0]!)).toBeCloseTo(barb * Math.sin(Math.PI / 7), 6)
      }),
    )
  })

  it('keeps the head, with its stroke width, inside the arrow bounds', () => {
    fc.assert(
      fc.property(arrows, (arrow) => {
        const b = shapeBounds(
          line(arrow.x, arrow.y, arrow.dx, arrow.dy, { type: 'arrow', size: arrow.size }),
        )
        const half = arrow.size / 2
        for (const end of arrowHead(arrow)) {
          expect(end.x - half).toBeGreaterThanOrEqual(b.minX - 1e-9)
          expect(end.x + half).toBeLessThanOrEqual(b.maxX + 1e-9)
          expect(end.y - half).toBeGreaterThanOrEqual(b.minY - 1e-9)
          expect(end.y + half).toBeLessThanOrEqual(b.maxY + 1e-9)
        }
      }),
    )
  })

  it('stays finite for a zero-length arrow', () => {
    for (const end of arrowHead({ x: 5, y: 5, dx: 0, dy: 0, size: 4 })) {
      expect(Number.isFinite(end.x) && Number.isFinite(end.y)).toBe(true)
    }
  })
})
