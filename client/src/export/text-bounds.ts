/**
 * Text bounds measured with a real font. The model's textBox is an estimate (0.6 em per
 * character, no room above the first line), and an export cut to it clips wide glyphs at the
 * right and accents above capitals. Where a canvas exists the export measures instead.
 */
import type { Shape, TextShape } from '../board/shapes'
import { fontSize } from '../board/shapes'
import {
  shapeBounds,
  TEXT_LINE_HEIGHT,
  textLines,
  unionBounds,
  type Bounds,
} from '../render/geometry'
import { FONT_FAMILY } from '../render/paint'

export type TextMeasure = (shape: TextShape) => Bounds | null

type Measuring = Pick<CanvasRenderingContext2D, 'font' | 'textBaseline' | 'measureText'>

/** Measures as paintShape draws: same font, textBaseline 'top', one line per row. */
export function canvasTextMeasure(context: Measuring): TextMeasure {
  return (shape) => {
    const size = fontSize(shape.size)
    context.font = `${size}px ${FONT_FAMILY}`
    context.textBaseline = 'top'
    const rows: Bounds[] = []
    textLines(shape.text).forEach((line, i) => {
      const metrics = context.measureText(line)
      const top = shape.y + i * size * TEXT_LINE_HEIGHT
      rows.push({
        minX: shape.x - metrics.actualBoundingBoxLeft,
        minY: top - metrics.actualBoundingBoxAscent,
        maxX: shape.x + metrics.actualBoundingBoxRight,
        maxY: top + metrics.actualBoundingBoxDescent,
      })
    })
    const measured = unionBounds(rows)
    return measured && Object.values(measured).every(Number.isFinite) ? measured : null
  }
}

/** A measure on a scratch canvas, or null where there is no canvas (Node, the unit tests). */
export function browserTextMeasure(): TextMeasure | null {
  if (typeof OffscreenCanvas !== 'undefined') {
    const context = new OffscreenCanvas(1, 1).getContext('2d')
    return context ? canvasTextMeasure(context) : null
  }
  if (typeof document !== 'undefined') {
    const context = document.createElement('canvas').getContext('2d')
    return context ? canvasTextMeasure(context) : null
  }
  return null
}

/** The union of every shape's bounds, with text measured when `measure` is given. */
export function contentBounds(
  shapes: readonly Shape[],
  measure: TextMeasure | null,
): Bounds | null {
  return unionBounds(
    shapes.map((shape) => {
      const estimate = shapeBounds(shape)
      if (shape.type !== 'text' || !measure) return estimate
      const measured = measure(shape)
      return measured ? (unionBounds([estimate, measured]) ?? estimate) : estimate
    }),
  )
}
