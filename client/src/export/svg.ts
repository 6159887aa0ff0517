/**
 * SVG export generated from the model, not traced from pixels: strokes stay vector paths and
 * text stays text (selectable, searchable). Every shape becomes one element, painted in the
 * same order and with the same geometry as the canvas (paintOrder, traceFreehand, arrowHead).
 */
import type { Board } from '../board/board'
import { fontSize, type Shape } from '../board/shapes'
import { arrowHead, TEXT_LINE_HEIGHT, textLines, traceFreehand } from '../render/geometry'
import { FONT_FAMILY, HIGHLIGHTER_ALPHA, paintOrder } from '../render/paint'
import type { PathSink } from '../render/stroke-path'
import { DEFAULT_PADDING, paddedArea } from './layout'
import { browserTextMeasure, contentBounds } from './text-bounds'
import { TimeSlicer } from './time-slicer'

export interface SvgExportOptions {
  /** White when true (the default), transparent when false. */
  background?: boolean
  /** Board units of margin around the drawing (default 16). */
  padding?: number
}

export const SVG_NAMESPACE = 'http://www.w3.org/2000/svg'

/** Async so that a large board is converted in slices without freezing the page. */
export async function exportSvg(board: Board, options: SvgExportOptions = {}): Promise<string> {
  const shapes = paintOrder(board.allShapes())
  const { x, y, width, height } = paddedArea(
    contentBounds(shapes, browserTextMeasure()),
    options.padding ?? DEFAULT_PADDING,
  )

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="${SVG_NAMESPACE}" width="${num(width)}" height="${num(height)}" viewBox="${num(x)} ${num(y)} ${num(width)} ${num(height)}">`,
  ]
  if (options.background ?? true) {
    lines.push(element('rect', { x, y, width, height, fill: '#ffffff' }))
  }
  const slicer = new TimeSlicer()
  for (const shape of shapes) {
    lines.push(shapeElement(shape))
    if (slicer.due) await slicer.next()
  }
  lines.push('</svg>', '')
  return lines.join('\n')
}

type Attributes = Record<string, string | number | null>

function shapeElement(shape: Shape): string {
  switch (shape.type) {
    case 'pen':
    case 'highlighter': {
      const sink = new SvgPathSink()
      traceFreehand(sink, shape, true)
      const alpha = shape.type === 'highlighter' ? HIGHLIGHTER_ALPHA : 1
      return element('path', { d: sink.toString(), ...paint('fill', shape.color, alpha) })
    }
    case 'line':
      return element('line', {
        x1: shape.x,
        y1: shape.y,
        x2: shape.x + shape.dx,
        y2: shape.y + shape.dy,
        ...stroke(shape),
      })
    case 'arrow': {
      const [left, right] = arrowHead(shape)
      const tip = `${num(shape.x + shape.dx)} ${num(shape.y + shape.dy)}`
      const d = `M${num(shape.x)} ${num(shape.y)}L${tip}M${num(left.x)} ${num(left.y)}L${tip}L${num(right.x)} ${num(right.y)}`
      return element('path', { d, fill: 'none', ...stroke(shape) })
    }
    case 'rect':
    case 'ellipse': {
      const fill = shape.fill ? paint('fill', shape.fill, 1) : { fill: 'none' }
      // SVG does not render a zero-sized rect or ellipse; the canvas strokes it as a line.
      if (shape.w === 0 || shape.h === 0) {
        const d = `M${num(shape.x)} ${num(shape.y)}L${num(shape.x + shape.w)} ${num(shape.y + shape.h)}`
        return element('path', { d, fill: 'none', ...stroke(shape) })
      }
      if (shape.type === 'rect') {
        return element('rect', {
          x: shape.x,
          y: shape.y,
          width: shape.w,
          height: shape.h,
          ...fill,
          ...stroke(shape),
        })
      }
      return element('ellipse', {
        cx: shape.x + shape.w / 2,
        cy: shape.y + shape.h / 2,
        rx: shape.w / 2,
        ry: shape.h / 2,
        ...fill,
        ...stroke(shape),
      })
    }
    case 'text': {
      const size = fontSize(shape.size)
      // Chromium's canvas puts textBaseline 'top' one em above the font's descent line, and
      // text-after-edge is that line: so each line sits at its top plus one em, whatever the
      // font. (text-before-edge and hanging follow the font's ascent and land lower or higher.)
      const spans = textLines(shape.text).map((line, i) => {
        const y = shape.y + i * size * TEXT_LINE_HEIGHT + size
        return `<tspan x="${num(shape.x)}" y="${num(y)}">${escapeXml(line)}</tspan>`
      })
      const text = attributes({
        'font-family': FONT_FAMILY,
        'font-size': size,
        'dominant-baseline': 'text-after-edge',
        'xml:space': 'preserve',
        ...paint('fill', shape.color, 1),
      })
      return `<text${text}>${spans.join('')}</text>`
    }
  }
}

function stroke(shape: Shape): Attributes {
  return {
    ...paint('stroke', shape.color, 1),
    'stroke-width': shape.size,
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  }
}

/**
 * `#rrggbbaa` becomes `#rrggbb` plus an opacity attribute: SVG 1.1 renderers (Inkscape,
 * librsvg, print pipelines) do not read eight-digit colours.
 */
function paint(property: 'fill' | 'stroke', color: string, alpha: number): Attributes {
  const opacity = (color.length === 9 ? parseInt(color.slice(7), 16) / 255 : 1) * alpha
  return {
    [property]: color.slice(0, 7),
    [`${property}-opacity`]: opacity < 1 ? opacity : null,
  }
}

function element(name: string, values: Attributes): string {
  return `<${name}${attributes(values)}/>`
}

function attributes(values: Attributes): string {
  let out = ''
  for (const [key, value] of Object.entries(values)) {
    if (value === null) continue
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`
  }
  return out
}

/** Two decimals: a hundredth of a board unit is below what any screen or printer shows. */
function num(value: number): string {
  return String(Math.round(value * 100) / 100)
}

/** Anything a peer typed: characters XML 1.0 cannot hold at all become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}

class SvgPathSink implements PathSink {
  #d = ''

  moveTo(x: number, y: number): void {
    this.#d += `M${num(x)} ${num(y)}`
  }

  lineTo(x: number, y: number): void {
    this.#d += `L${num(x)} ${num(y)}`
  }

  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void {
    this.#d += `Q${num(cx)} ${num(cy)} ${num(x)} ${num(y)}`
  }

  closePath(): void {
    this.#d += 'Z'
  }

  toString(): string {
    return this.#d
  }
}
