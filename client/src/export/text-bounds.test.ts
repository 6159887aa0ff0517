import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Board } from '../board/board'
import type { TextShape } from '../board/shapes'
import { shapeBounds } from '../render/geometry'
import { INK } from './fixtures'
import { canvasTextMeasure, contentBounds } from './text-bounds'

/** A font where every glyph is one em wide and reaches 0.2 em above the top. */
function wideFont() {
  const seen: string[] = []
  const context = {
    font: '',
    textBaseline: 'alphabetic' as CanvasTextBaseline,
    measureText(text: string) {
      seen.push(`${context.font}|${context.textBaseline}|${text}`)
      const em = parseFloat(context.font)
      return {
        actualBoundingBoxLeft: 0,
        actualBoundingBoxRight: text.length * em,
        actualBoundingBoxAscent: 0.2 * em,
        actualBoundingBoxDescent: 0.9 * em,
      } as TextMetrics
    },
  }
  return { context, seen }
}

function textShape(text: string): TextShape {
  const board = new Board(new Y.Doc())
  board.create({ type: 'text', text }, INK, { x: 100, y: 50 })
  return board.allShapes()[0] as TextShape
}

describe('text bounds', () => {
  it('measures each line with the font paintShape uses', () => {
    const { context, seen } = wideFont()
    const shape = textShape('WWWW\nab')
    // Font size 24: four glyphs of 24, accents 4.8 above, second line 30 lower.
    expect(canvasTextMeasure(context)(shape)).toEqual({
      minX: 100,
      minY: 50 - 4.8,
      maxX: 196,
      maxY: 50 + 30 + 0.9 * 24,
    })
    expect(seen).toHaveLength(2)
    expect(seen[0]).toMatch(/^24px system-ui.*\|top\|WWWW$/)
  })

  it('widens the estimate where the font is wider, and never narrows it', () => {
    const { context } = wideFont()
    const shape = textShape('WWWW')
    const estimate = shapeBounds(shape)
    const bounds = contentBounds([shape], canvasTextMeasure(context))!
    expect(bounds.maxX).toBe(196)
    expect(bounds.minY).toBeLessThan(estimate.minY)
    expect(bounds.maxY).toBe(estimate.maxY)
    expect(contentBounds([shape], null)).toEqual(estimate)
  })

  it('falls back to the estimate when the metrics are unusable', () => {
    const context = {
      font: '',
      textBaseline: 'top' as CanvasTextBaseline,
      measureText: () => ({}) as TextMetrics,
    }
    const shape = textShape('hello')
    expect(canvasTextMeasure(context)(shape)).toBeNull()
    expect(contentBounds([shape], canvasTextMeasure(context))).toEqual(shapeBounds(shape))
  })
})
