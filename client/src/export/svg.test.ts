import fc from 'fast-check'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Board } from '../board/board'
import { encodePoints } from '../board/points'
import { shapeBounds, unionBounds } from '../render/geometry'
import { HIGHLIGHTER_ALPHA } from '../render/paint'
import { INK, sampleBoard, wave } from './fixtures'
import { parseXml, type XmlElement } from './strict-xml'
import { escapeXml, exportSvg, SVG_NAMESPACE } from './svg'

async function svgOf(board: Board, background = false): Promise<XmlElement> {
  const root = parseXml(await exportSvg(board, { background }))
  expect(root.name).toBe('svg')
  expect(root.attributes.xmlns).toBe(SVG_NAMESPACE)
  return root
}

function textBoard(text: string): Board {
  const board = new Board(new Y.Doc())
  board.create({ type: 'text', text }, INK, { x: 10, y: 20 })
  return board
}

describe('SVG export', () => {
  it('is well-formed XML with one element per shape, highlighters first', async () => {
    const root = await svgOf(sampleBoard())
    expect(root.children.map((child) => child.name)).toEqual([
      'path', // highlighter, under everything whatever its z
      'path', // pen
      'line',
      'path', // arrow
      'rect',
      'ellipse',
      'text',
    ])
    const [highlighter, pen] = root.children
    expect(highlighter!.attributes).toMatchObject({ fill: '#f08c00', 'fill-opacity': '0.35' })
    expect(Number(highlighter!.attributes['fill-opacity'])).toBe(HIGHLIGHTER_ALPHA)
    expect(pen!.attributes.fill).toBe('#1e1e1e')
    expect(pen!.attributes.d).toMatch(/^M[-\d. ]+(Q[-\d. ]+)+Z$/)
  })

  it('draws lines, arrows and boxes like the canvas does', async () => {
    const [, , line, arrow, rect, ellipse] = (await svgOf(sampleBoard())).children
    expect(line!.attributes).toMatchObject({
      x1: '200',
      y1: '10',
      x2: '300',
      y2: '50',
      stroke: '#1e1e1e',
      'stroke-width': '4',
      'stroke-linecap': 'round',
    })
    expect(arrow!.attributes).toMatchObject({ fill: 'none', stroke: '#e03131' })
    // Shaft, then both barbs ending at the tip.
    expect(arrow!.attributes.d).toMatch(/^M360 10L300 90M[-\d. ]+L300 90L[-\d. ]+$/)
    expect(rect!.attributes).toMatchObject({
      x: '20',
      y: '140',
      width: '80',
      height: '50',
      fill: '#2f9e44',
      'fill-opacity': '0.5',
      'stroke-linejoin': 'round',
    })
    expect(ellipse!.attributes).toMatchObject({ cx: '185', cy: '170', rx: '45', ry: '20' })
    expect(ellipse!.attributes.fill).toBe('none')
  })

  it('keeps text as text, one tspan per line, escaped', async () => {
    const text = (await svgOf(sampleBoard())).children[6]!
    expect(text.attributes).toMatchObject({
      'font-size': '24',
      'dominant-baseline': 'text-after-edge',
      fill: '#1e1e1e',
    })
    expect(text.attributes['font-family']).toContain('"Segoe UI"')
    expect(text.children.map((span) => span.text)).toEqual([
      'Hello <board> & "friends"',
      'second line',
    ])
    // Line tops at 140 and 170 (1.25 em apart), each placed by its bottom edge one em lower.
    expect(text.children.map((span) => span.attributes.y)).toEqual(['164', '194'])
    expect(await exportSvg(sampleBoard())).toContain(
      'Hello &lt;board&gt; &amp; &quot;friends&quot;',
    )
  })

  it('stays well-formed whatever a peer typed', async () => {
    // Code points (astral ones included) and UTF-16 units (lone surrogates included).
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      fc.constantFrom('\n', '&', '<', '>', '"', "'", ' '),
    )
    await fc.assert(
      fc.asyncProperty(fc.string({ unit }), async (typed) => {
        const text = (await svgOf(textBoard(typed))).children[0]!
        const expected = typed
          .split('\n')
          .map((line) =>
            line.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD'),
          )
        expect(text.children.map((span) => span.text)).toEqual(expected)
      }),
    )
  })

  it('escapes all five XML special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    )
  })

  it('frames the drawing with the padding, and paints a white background by default', async () => {
    const board = sampleBoard()
    const bounds = unionBounds(board.allShapes().map(shapeBounds))!
    const root = parseXml(await exportSvg(board, { padding: 10 }))
    const [x, y, width, height] = root.attributes.viewBox!.split(' ').map(Number)
    expect(x).toBeCloseTo(bounds.minX - 10, 2)
    expect(y).toBeCloseTo(bounds.minY - 10, 2)
    expect(width).toBeCloseTo(bounds.maxX - bounds.minX + 20, 2)
    expect(height).toBeCloseTo(bounds.maxY - bounds.minY + 20, 2)
    expect(root.attributes.width).toBe(String(width))
    expect(root.children[0]).toMatchObject({ name: 'rect', attributes: { fill: '#ffffff' } })
    expect(root.children).toHaveLength(8)
  })

  it('writes numbers with at most two decimals', async () => {
    const board = new Board(new Y.Doc())
    const points = wave(0.123456, 0.987654).map((v, i) => (i % 3 === 2 ? v : v / 7))
    board.create(
      { type: 'pen', points: encodePoints(points, { pressure: false, precision: 8 }) },
      INK,
      {
        x: 1 / 3,
        y: 2 / 3,
      },
    )
    board.create({ type: 'ellipse', w: 10 / 3, h: 20 / 3 }, INK, { x: 1 / 7, y: 1 / 9 })
    const svg = (await exportSvg(board)).replace(/#[0-9a-f]{6}/g, '')
    expect(svg).not.toMatch(/\d\.\d{3}/)
    expect(svg).not.toMatch(/\de[-+]?\d/)
  })

  it('exports an empty board as a small blank picture', async () => {
    const root = await svgOf(new Board(new Y.Doc()), true)
    expect(root.attributes.viewBox).toBe('-16 -16 32 32')
    expect(root.children.map((child) => child.name)).toEqual(['rect'])
  })

  it('still draws boxes of zero width, as the canvas does', async () => {
    const board = new Board(new Y.Doc())
    board.create({ type: 'rect', w: 0, h: 30 }, INK, { x: 5, y: 5 })
    const [shape] = (await svgOf(board)).children
    expect(shape).toMatchObject({ name: 'path', attributes: { d: 'M5 5L5 35', fill: 'none' } })
  })
})

describe('strict XML check', () => {
  it.each([
    '<svg>',
    '<svg></g>',
    '<svg><g></svg></g>',
    '<svg a="1" a="2"/>',
    '<svg a=1/>',
    '<svg>&</svg>',
    '<svg>&nbsp;</svg>',
    '<svg a="<"/>',
    '<svg/><svg/>',
    '<svg>\u0001</svg>',
    '<svg a="1"b="2"/>',
  ])('refuses %s', (source) => {
    expect(() => parseXml(source)).toThrow()
  })

  it('reads entities and character references', () => {
    expect(parseXml('<a t="&quot;&#65;&#x42;">&lt;&amp;&gt;</a>')).toEqual({
      name: 'a',
      attributes: { t: '"AB' },
      children: [],
      text: '<&>',
    })
  })
})
