/** Test fixtures for the export tests: a board with every shape type, a minimal PNG. */
import * as Y from 'yjs'
import { Board } from '../board/board'
import { encodePoints } from '../board/points'
import { decodeBase64 } from './base64'

export const INK = { color: '#1e1e1e', size: 4, fill: null }

export function wave(x0: number, y0: number, count = 40): number[] {
  const points: number[] = []
  for (let k = 0; k < count; k++) points.push(x0 + k * 3, y0 + Math.sin(k / 4) * 10, 0.5)
  return points
}

/** Pen, highlighter, line, arrow, filled rect, ellipse, two-line text, in that z order. */
export function sampleBoard(doc = new Y.Doc()): Board {
  const board = new Board(doc)
  const at = { x: 0, y: 0 }
  board.create({ type: 'pen', points: encodePoints(wave(10, 20), { pressure: false }) }, INK, at)
  board.create(
    { type: 'highlighter', points: encodePoints(wave(10, 60), { pressure: true }) },
    { color: '#f08c00', size: 16, fill: null },
    at,
  )
  board.create({ type: 'line', dx: 100, dy: 40 }, INK, { x: 200, y: 10 })
  board.create({ type: 'arrow', dx: -60, dy: 80 }, { ...INK, color: '#e03131' }, { x: 360, y: 10 })
  board.create({ type: 'rect', w: 80, h: 50 }, { ...INK, fill: '#2f9e4480' }, { x: 20, y: 140 })
  board.create({ type: 'ellipse', w: 90, h: 40 }, INK, { x: 140, y: 150 })
  board.create({ type: 'text', text: 'Hello <board> & "friends"\nsecond line' }, INK, {
    x: 260,
    y: 140,
  })
  return board
}

/** What a person sees of a board: its valid shapes in paint order, ids included. */
export function snapshot(board: Board): unknown[] {
  return board.allShapes().map((shape) => ({ ...shape }))
}

/** A 1×1 PNG as common tools write it: IHDR, IDAT, IEND (70 bytes). */
export const ONE_PIXEL_PNG = decodeBase64(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
)!
