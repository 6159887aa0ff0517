import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../board/board'
import type { ShapeStyle } from '../board/shapes'
import { shapeBounds } from '../render/geometry'
import { SpatialIndex } from '../render/spatial-index'
import { Viewport } from '../render/viewport'
import { Selection } from '../tools/selection'
import { createToolContext } from './tool-context'

const ink: ShapeStyle = { color: '#1e1e1e', size: 4, fill: null }
const filled: ShapeStyle = { ...ink, fill: '#ffec99' }

function contexts(board: Board) {
  const index = new SpatialIndex()
  for (const shape of board.allShapes()) index.set(shape.id, shapeBounds(shape))
  const deps = {
    board,
    viewport: new Viewport(),
    selection: new Selection(),
    style: () => ink,
    editText: () => {},
    invalidate: () => {},
  }
  return {
    index,
    plain: createToolContext({ ...deps, index: () => null }),
    indexed: createToolContext({ ...deps, index: () => index }),
  }
}

describe('createToolContext', () => {
  it('finds the shapes under a point, topmost first, by their geometry', () => {
    const board = new Board(new Y.Doc())
    const bottom = board.create({ type: 'rect', w: 100, h: 100 }, filled, { x: 0, y: 0 })
    const middle = board.create({ type: 'ellipse', w: 100, h: 100 }, filled, { x: 20, y: 20 })
    const top = board.create({ type: 'rect', w: 100, h: 100 }, ink, { x: 40, y: 40 })
    const { plain, indexed } = contexts(board)
    for (const context of [plain, indexed]) {
      const ids = (x: number, y: number) => context.shapesAt({ x, y }, 2).map((s) => s.id)
      expect(ids(60, 60)).toEqual([middle, bottom])
      expect(ids(40, 70)).toEqual([top, middle, bottom])
      expect(ids(10, 10)).toEqual([bottom])
      expect(ids(500, 500)).toEqual([])
    }
    board.sendToBack([top])
    expect(plain.shapesAt({ x: 40, y: 70 }, 2).map((s) => s.id)).toEqual([middle, bottom, top])
  })

  it('finds the shapes wholly inside an area', () => {
    const board = new Board(new Y.Doc())
    const inside = board.create({ type: 'line', dx: 50, dy: 50 }, ink, { x: 10, y: 10 })
    board.create({ type: 'line', dx: 500, dy: 50 }, ink, { x: 10, y: 10 })
    const { plain, indexed } = contexts(board)
    for (const context of [plain, indexed]) {
      expect(context.shapesIn({ minX: 0, minY: 0, maxX: 100, maxY: 100 }).map((s) => s.id)).toEqual(
        [inside],
      )
    }
  })

  it('gives the same answers with the spatial index as without it', () => {
    const box = fc.record({
      x: fc.integer({ min: -600, max: 600 }),
      y: fc.integer({ min: -600, max: 600 }),
      w: fc.integer({ min: 0, max: 400 }),
      h: fc.integer({ min: 0, max: 400 }),
      fill: fc.boolean(),
    })
    const probe = fc.record({
      x: fc.integer({ min: -700, max: 700 }),
      y: fc.integer({ min: -700, max: 700 }),
    })
    fc.assert(
      fc.property(
        fc.array(box, { maxLength: 12 }),
        fc.array(probe, { maxLength: 10 }),
        (boxes, probes) => {
          const board = new Board(new Y.Doc())
          for (const { x, y, w, h, fill } of boxes) {
            board.create({ type: 'rect', w, h }, fill ? filled : ink, { x, y })
          }
          const { plain, indexed } = contexts(board)
          for (const p of probes) {
            expect(indexed.shapesAt(p, 6)).toEqual(plain.shapesAt(p, 6))
            const area = { minX: p.x, minY: p.y, maxX: p.x + 500, maxY: p.y + 500 }
            const ids = (list: { id: string }[]) => list.map((s) => s.id).sort()
            expect(ids(indexed.shapesIn(area))).toEqual(ids(plain.shapesIn(area)))
          }
        },
      ),
      { numRuns: 100 },
    )
  }, 30_000)

  it('skips ids the index still has but the board no longer does', () => {
    const board = new Board(new Y.Doc())
    const gone = board.create({ type: 'rect', w: 10, h: 10 }, filled, { x: 0, y: 0 })
    const { indexed } = contexts(board)
    board.deleteShapes([gone])
    expect(indexed.shapesAt({ x: 5, y: 5 }, 2)).toEqual([])
    expect(indexed.shapesIn({ minX: -50, minY: -50, maxX: 50, maxY: 50 })).toEqual([])
  })
})
