import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { imageLayout, MAX_CANVAS_AREA, MAX_CANVAS_SIDE, paddedArea } from './layout'

describe('export layout', () => {
  it('pads the drawing and renders it at the requested scale', () => {
    const area = paddedArea({ minX: 10, minY: -20, maxX: 110, maxY: 30 }, 16)
    expect(area).toEqual({ x: -6, y: -36, width: 132, height: 82 })
    expect(imageLayout(area, 2)).toEqual({ ...area, scale: 2, pixelWidth: 264, pixelHeight: 164 })
  })

  it('gives an empty board a small blank image', () => {
    const layout = imageLayout(paddedArea(null, 16), 2)
    expect(layout).toMatchObject({ pixelWidth: 64, pixelHeight: 64 })
    expect(imageLayout(paddedArea(null, 0), 2)).toMatchObject({ pixelWidth: 2, pixelHeight: 2 })
  })

  it('scales a large drawing down to the canvas caps', () => {
    const square = imageLayout(paddedArea({ minX: 0, minY: 0, maxX: 20_000, maxY: 20_000 }, 0), 2)
    expect(square.pixelWidth).toBe(8192)
    expect(square.pixelHeight).toBe(8192)
    const strip = imageLayout(paddedArea({ minX: 0, minY: 0, maxX: 1e6, maxY: 10 }, 0), 2)
    expect(strip.pixelWidth).toBe(MAX_CANVAS_SIDE)
    expect(strip.pixelHeight).toBe(1)
  })

  it('never exceeds the caps nor the requested scale, and covers the area', () => {
    const coordinate = fc.double({ min: -1e7, max: 1e7, noNaN: true })
    fc.assert(
      fc.property(
        coordinate,
        coordinate,
        fc.double({ min: 0, max: 2e7, noNaN: true }),
        fc.double({ min: 0, max: 2e7, noNaN: true }),
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        (minX, minY, width, height, scale) => {
          const area = paddedArea({ minX, minY, maxX: minX + width, maxY: minY + height }, 16)
          const layout = imageLayout(area, scale)
          expect(layout.pixelWidth).toBeGreaterThanOrEqual(1)
          expect(layout.pixelHeight).toBeGreaterThanOrEqual(1)
          expect(layout.pixelWidth).toBeLessThanOrEqual(MAX_CANVAS_SIDE)
          expect(layout.pixelHeight).toBeLessThanOrEqual(MAX_CANVAS_SIDE)
          expect(layout.pixelWidth * layout.pixelHeight).toBeLessThanOrEqual(MAX_CANVAS_AREA)
          expect(layout.scale).toBeLessThanOrEqual(scale)
          // Whatever was lost to rounding is less than a pixel on each side.
          expect(layout.pixelWidth).toBeGreaterThan(area.width * layout.scale - 1)
          expect(layout.pixelHeight).toBeGreaterThan(area.height * layout.scale - 1)
        },
      ),
    )
  })
})
