/**
 * Paints one shape onto any 2D context: the screen's layers and the PNG export share this, so
 * an export looks exactly like the board.
 */
import { fontSize, type Shape } from '../board/shapes'
import { arrowHead, TEXT_LINE_HEIGHT, textLines, traceFreehand } from './geometry'

export const HIGHLIGHTER_ALPHA = 0.35
export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", sans-serif'

/** Freehand outlines are the costly part; they are built once per shape version. */
export function freehandPath(
  shape: Extract<Shape, { type: 'pen' | 'highlighter' }>,
  complete = true,
): Path2D {
  const path = new Path2D()
  traceFreehand(path, shape, complete)
  return path
}

export function paintShape(
  context: CanvasRenderingContext2D,
  shape: Shape,
  cachedPath?: Path2D,
): void {
  context.globalAlpha = 1
  switch (shape.type) {
    case 'pen':
    case 'highlighter':
      if (shape.type === 'highlighter') context.globalAlpha = HIGHLIGHTER_ALPHA
      context.fillStyle = shape.color
      context.fill(cachedPath ?? freehandPath(shape))
      context.globalAlpha = 1
      return
    case 'line':
    case 'arrow': {
      prepareStroke(context, shape)
      context.beginPath()
      context.moveTo(shape.x, shape.y)
      context.lineTo(shape.x + shape.dx, shape.y + shape.dy)
      if (shape.type === 'arrow') {
        const [left, right] = arrowHead(shape)
        context.moveTo(left.x, left.y)
        context.lineTo(shape.x + shape.dx, shape.y + shape.dy)
        context.lineTo(right.x, right.y)
      }
      context.stroke()
      return
    }
    case 'rect':
    case 'ellipse': {
      context.beginPath()
      if (shape.type === 'rect') context.rect(shape.x, shape.y, shape.w, shape.h)
      else
        context.ellipse(
          shape.x + shape.w / 2,
          shape.y + shape.h / 2,
          shape.w / 2,
          shape.h / 2,
          0,
          0,
          Math.PI * 2,
        )
      if (shape.fill) {
        context.fillStyle = shape.fill
        context.fill()
      }
      prepareStroke(context, shape)
      context.stroke()
      return
    }
    case 'text': {
      const size = fontSize(shape.size)
      context.fillStyle = shape.color
      context.font = `${size}px ${FONT_FAMILY}`
      context.textBaseline = 'top'
      textLines(shape.text).forEach((line, i) => {
        context.fillText(line, shape.x, shape.y + i * size * TEXT_LINE_HEIGHT)
      })
      return
    }
  }
}

function prepareStroke(context: CanvasRenderingContext2D, shape: Shape): void {
  context.strokeStyle = shape.color
  context.lineWidth = shape.size
  context.lineCap = 'round'
  context.lineJoin = 'round'
}

/** Highlighters go under everything else, whatever their z. */
export function paintOrder(shapes: readonly Shape[]): Shape[] {
  const under = shapes.filter((shape) => shape.type === 'highlighter')
  return under.length === 0
    ? [...shapes]
    : [...under, ...shapes.filter((shape) => shape.type !== 'highlighter')]
}
