import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clampZoom, MAX_ZOOM, MIN_ZOOM, Viewport } from './viewport'

const coordinate = fc.double({ min: -1e5, max: 1e5, noNaN: true })
const zoom = fc.double({ min: MIN_ZOOM, max: MAX_ZOOM, noNaN: true })
const factor = fc.double({ min: 0.01, max: 100, noNaN: true })

function viewportAt(x: number, y: number, z: number): Viewport {
  const viewport = new Viewport()
  viewport.x = x
  viewport.y = y
  viewport.zoom = z
  return viewport
}

/** Relative closeness: the numbers here range over ten orders of magnitude. */
function expectNear(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(expected)) * 1e3)
}

describe('Viewport', () => {
  it('toWorld and toScreen are inverses', () => {
    fc.assert(
      fc.property(coordinate, coordinate, zoom, coordinate, coordinate, (x, y, z, sx, sy) => {
        const viewport = viewportAt(x, y, z)
        const world = viewport.toWorld(sx, sy)
        const back = viewport.toScreen(world.x, world.y)
        expectNear(back.x, sx)
        expectNear(back.y, sy)
        const screen = viewport.toScreen(sx, sy)
        const again = viewport.toWorld(screen.x, screen.y)
        expectNear(again.x, sx)
        expectNear(again.y, sy)
      }),
    )
  })

  it('maps the screen origin to the view origin, scaled by the zoom', () => {
    const viewport = viewportAt(100, -50, 2)
    expect(viewport.toWorld(0, 0)).toEqual({ x: 100, y: -50 })
    expect(viewport.toWorld(200, 100)).toEqual({ x: 200, y: 0 })
    expect(viewport.toScreen(110, -40)).toEqual({ x: 20, y: 20 })
    expect(viewport.visible(400, 300)).toEqual({ minX: 100, minY: -50, maxX: 300, maxY: 100 })
  })

  it('zoomAt keeps the board point under the anchor in place', () => {
    fc.assert(
      fc.property(
        coordinate,
        coordinate,
        zoom,
        fc.double({ min: 0, max: 4000, noNaN: true }),
        fc.double({ min: 0, max: 3000, noNaN: true }),
        factor,
        (x, y, z, sx, sy, f) => {
          const viewport = viewportAt(x, y, z)
          const before = viewport.toWorld(sx, sy)
          viewport.zoomAt(sx, sy, f)
          const after = viewport.toWorld(sx, sy)
          expectNear(after.x, before.x)
          expectNear(after.y, before.y)
          expect(viewport.zoom).toBeCloseTo(clampZoom(z * f), 12)
        },
      ),
    )
  })

  it('clamps the zoom to MIN_ZOOM..MAX_ZOOM', () => {
    const viewport = new Viewport()
    viewport.zoomAt(10, 10, 1000)
    expect(viewport.zoom).toBe(MAX_ZOOM)
    viewport.zoomAt(10, 10, 2)
    expect(viewport.zoom).toBe(MAX_ZOOM)
    viewport.zoomAt(10, 10, 1e-6)
    expect(viewport.zoom).toBe(MIN_ZOOM)
    viewport.zoomAt(10, 10, 0.5)
    expect(viewport.zoom).toBe(MIN_ZOOM)
    expect(clampZoom(1)).toBe(1)
    expect(clampZoom(0)).toBe(MIN_ZOOM)
    expect(clampZoom(Infinity)).toBe(MAX_ZOOM)
  })

  it('panBy moves content with the pointer, in screen pixels at any zoom', () => {
    fc.assert(
      fc.property(coordinate, coordinate, zoom, coordinate, coordinate, (x, y, z, dx, dy) => {
        const viewport = viewportAt(x, y, z)
        const world = { x: 123, y: -456 }
        const before = viewport.toScreen(world.x, world.y)
        viewport.panBy(dx, dy)
        const after = viewport.toScreen(world.x, world.y)
        expectNear(after.x - before.x, dx)
        expectNear(after.y - before.y, dy)
        expect(viewport.zoom).toBe(z)
      }),
    )
  })

  it('fit shows the bounds whole and centred, never zooming in past 100%', () => {
    const box = fc
      .tuple(
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        // Small enough that fitting never needs less than MIN_ZOOM.
        fc.double({ min: 1, max: 4000, noNaN: true }),
        fc.double({ min: 1, max: 4000, noNaN: true }),
      )
      .map(([minX, minY, w, h]) => ({ minX, minY, maxX: minX + w, maxY: minY + h }))
    const size = fc.integer({ min: 300, max: 3000 })
    fc.assert(
      fc.property(box, size, size, (bounds, width, height) => {
        const viewport = viewportAt(999, 999, 3)
        viewport.fit(bounds, width, height)
        expect(viewport.zoom).toBeLessThanOrEqual(1)
        const topLeft = viewport.toScreen(bounds.minX, bounds.minY)
        const bottomRight = viewport.toScreen(bounds.maxX, bounds.maxY)
        // Whole, inside the 48 px margin.
        expect(topLeft.x).toBeGreaterThanOrEqual(48 - 1e-6)
        expect(topLeft.y).toBeGreaterThanOrEqual(48 - 1e-6)
        expect(bottomRight.x).toBeLessThanOrEqual(width - 48 + 1e-6)
        expect(bottomRight.y).toBeLessThanOrEqual(height - 48 + 1e-6)
        // Centred.
        expect((topLeft.x + bottomRight.x) / 2).toBeCloseTo(width / 2, 6)
        expect((topLeft.y + bottomRight.y) / 2).toBeCloseTo(height / 2, 6)
        // As large as the margin allows, along at least one side (unless capped at 100%).
        if (viewport.zoom < 1) {
          const spareX = width - 96 - (bottomRight.x - topLeft.x)
          const spareY = height - 96 - (bottomRight.y - topLeft.y)
          expect(Math.min(spareX, spareY)).toBeCloseTo(0, 4)
        }
      }),
    )
  })

  it('fit centres bounds too large to show whole at MIN_ZOOM', () => {
    const viewport = new Viewport()
    viewport.fit({ minX: -1e6, minY: 0, maxX: 1e6, maxY: 10 }, 800, 600)
    expect(viewport.zoom).toBe(MIN_ZOOM)
    expect(viewport.toScreen(0, 5).x).toBeCloseTo(400, 6)
    expect(viewport.toScreen(0, 5).y).toBeCloseTo(300, 6)
  })

  it('fit with no bounds resets the view', () => {
    const viewport = viewportAt(50, 60, 4)
    viewport.fit(null, 800, 600)
    expect([viewport.x, viewport.y, viewport.zoom]).toEqual([0, 0, 1])
  })

  it('tells listeners about every change until they unsubscribe', () => {
    const viewport = new Viewport()
    let calls = 0
    const off = viewport.onChange(() => calls++)
    viewport.panBy(1, 2)
    viewport.zoomAt(0, 0, 2)
    viewport.fit({ minX: 0, minY: 0, maxX: 10, maxY: 10 }, 800, 600)
    viewport.reset()
    expect(calls).toBe(4)
    off()
    viewport.panBy(1, 1)
    expect(calls).toBe(4)
  })
})
