import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board, LOCAL, newShapeId, type BoardChange } from './board'
import type { FlatPoints } from './points'
import type { ShapeStyle } from './shapes'

const red: ShapeStyle = { color: '#e03131', size: 4, fill: null }
const blue: ShapeStyle = { color: '#1971c2', size: 2, fill: null }

/** Two peers' docs linked through a queue, so the test decides when updates arrive. */
class Pair {
  readonly a = new Board(new Y.Doc())
  readonly b = new Board(new Y.Doc())
  /** The remote origins, as a sync layer would pass them (one object per connection). */
  readonly fromA = { peer: 'a' }
  readonly fromB = { peer: 'b' }
  readonly #queue: { target: Y.Doc; update: Uint8Array; origin: object }[] = []
  auto = true

  constructor() {
    this.#link(this.a.doc, this.b.doc, this.fromA, this.fromB)
    this.#link(this.b.doc, this.a.doc, this.fromB, this.fromA)
    // Live strokes travel beside the document, as the sync layer's ephemeral frames do.
    this.a.live.connect((message, append) => this.b.live.receive('a', message, append))
    this.b.live.connect((message, append) => this.a.live.receive('b', message, append))
  }

  #link(from: Y.Doc, to: Y.Doc, origin: object, incoming: object): void {
    from.on('update', (update: Uint8Array, source: unknown) => {
      if (source === incoming) return
      this.#queue.push({ target: to, update, origin })
      if (this.auto) this.flush()
    })
  }

  flush(): void {
    while (this.#queue.length > 0) {
      const { target, update, origin } = this.#queue.shift()!
      Y.applyUpdate(target, update, origin)
    }
  }
}

function draw(board: Board, points: FlatPoints, style: ShapeStyle = red): string {
  const stroke = board.beginStroke(style, { pressure: false })
  stroke.append(points)
  stroke.commit()
  return stroke.id
}

function ids(board: Board): string[] {
  return board.allShapes().map((shape) => shape.id)
}

function writeRaw(board: Board, id: string, fields: Record<string, unknown>): void {
  board.doc.transact(() => board.shapes.set(id, fields), 'test')
}

const rect = (z: number) => ({
  g: { type: 'rect', w: 10, h: 10 },
  s: { color: '#000000', size: 1, fill: null },
  z,
})

describe('Board live strokes', () => {
  it('shows a stroke live while drawing and turns it into one shape on commit', () => {
    const { a, b } = new Pair()
    const changes: BoardChange[] = []
    b.observe((change) => changes.push(change))
    const stroke = a.beginStroke(red, { pressure: false })
    stroke.append([10, 10, 0.5, 12, 11, 0.5])

    for (const board of [a, b]) {
      expect(board.allShapes()).toHaveLength(0)
      const live = board.liveStrokes()
      expect(live).toHaveLength(1)
      expect(live[0]).toMatchObject({
        id: stroke.id,
        type: 'pen',
        color: red.color,
        size: red.size,
        points: [10, 10, 0.5, 12, 11, 0.5],
      })
    }
    expect(changes.some((change) => change.live)).toBe(true)

    stroke.append([15, 13, 0.5])
    expect(b.liveStrokes()[0]?.points).toEqual([10, 10, 0.5, 12, 11, 0.5, 15, 13, 0.5])

    stroke.commit()
    for (const board of [a, b]) {
      expect(board.liveStrokes()).toEqual([])
      expect(board.allShapes()).toHaveLength(1)
      expect(board.shape(stroke.id)).toMatchObject({
        id: stroke.id,
        type: 'pen',
        points: [10, 10, 0.5, 12, 11, 0.5, 15, 13, 0.5],
        color: red.color,
        z: 1,
      })
    }
    expect(changes.some((change) => change.shapes.has(stroke.id))).toBe(true)
  })

  it('ignores appends of less than a point and after commit; an empty stroke commits nothing', () => {
    const board = new Board(new Y.Doc())
    const empty = board.beginStroke(red, { pressure: true })
    empty.append([1, 2])
    expect(board.liveStrokes()).toHaveLength(0)
    empty.commit()
    expect(board.size).toBe(0)

    const stroke = board.beginStroke(red, { pressure: true })
    stroke.append([1, 2, 0.5])
    stroke.commit()
    stroke.append([3, 4, 0.5])
    expect(board.liveStrokes()).toHaveLength(0)
    const shape = board.shape(stroke.id)
    expect(shape?.type === 'pen' && shape.pressure && shape.points.slice(0, 2)).toEqual([1, 2])
    expect(shape?.type === 'pen' && shape.points).toHaveLength(3)
  })

  it('cancel removes the live stroke and commits nothing', () => {
    const { a, b } = new Pair()
    const stroke = a.beginStroke(red, { pressure: false })
    stroke.append([1, 1, 0.5])
    expect(b.liveStrokes()).toHaveLength(1)
    stroke.cancel()
    stroke.commit()
    expect(a.liveStrokes()).toHaveLength(0)
    expect(b.liveStrokes()).toHaveLength(0)
    expect(a.size + b.size).toBe(0)
  })

  it('refuses an invalid style', () => {
    const board = new Board(new Y.Doc())
    expect(() =>
      board.beginStroke({ color: 'red', size: 4, fill: null }, { pressure: false }),
    ).toThrow()
    expect(() => board.beginStroke({ ...red, size: 0 }, { pressure: false })).toThrow()
  })

  it('stacks each new stroke on top', () => {
    const board = new Board(new Y.Doc())
    const first = draw(board, [0, 0, 0.5])
    const second = draw(board, [1, 1, 0.5])
    expect(board.allShapes().map((shape) => [shape.id, shape.z])).toEqual([
      [first, 1],
      [second, 2],
    ])
  })
})

describe('Board sync between two docs', () => {
  it('converges on the same shapes when both draw at once', () => {
    const pair = new Pair()
    pair.auto = false
    draw(pair.a, [1, 1, 0.5])
    draw(pair.b, [2, 2, 0.5], blue)
    draw(pair.a, [3, 3, 0.5])
    pair.flush()
    expect(pair.a.allShapes()).toHaveLength(3)
    expect(pair.b.allShapes()).toEqual(pair.a.allShapes())
  })

  it('converges under random concurrent drawing, deleting, undoing and delivery', () => {
    type Op =
      | { kind: 'draw'; on: 0 | 1; x: number; z: number }
      | { kind: 'delete'; on: 0 | 1; pick: number }
      | { kind: 'undo' | 'redo' | 'flush'; on: 0 | 1 }
    const side = fc.constantFrom<0 | 1>(0, 1)
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('draw' as const),
        on: side,
        x: fc.integer({ min: -50, max: 50 }),
        z: fc.nat(),
      }),
      fc.record({ kind: fc.constant('delete' as const), on: side, pick: fc.nat() }),
      fc.record({
        kind: fc.constantFrom('undo' as const, 'redo' as const, 'flush' as const),
        on: side,
      }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const pair = new Pair()
        pair.auto = false
        for (const step of ops) {
          const board = step.on === 0 ? pair.a : pair.b
          if (step.kind === 'draw') draw(board, [step.x, step.x, 0.5])
          else if (step.kind === 'delete') {
            const shapes = board.allShapes()
            const shape = shapes[step.pick % Math.max(1, shapes.length)]
            if (shape) board.deleteShapes([shape.id])
          } else if (step.kind === 'undo') board.undo()
          else if (step.kind === 'redo') board.redo()
          else pair.flush()
        }
        pair.flush()
        expect(pair.b.allShapes()).toEqual(pair.a.allShapes())
        expect(pair.a.liveStrokes()).toEqual([])
      }),
      { numRuns: 200 },
    )
  }, 60_000)
})

describe('Board undo', () => {
  it("reverts only the local person's strokes, never a peer's, also after the peer's edits arrive", () => {
    const { a, b } = new Pair()
    const a1 = draw(a, [1, 1, 0.5])
    const b1 = draw(b, [2, 2, 0.5], blue)
    expect(ids(a).sort()).toEqual([a1, b1].sort())

    a.undo()
    expect(ids(a)).toEqual([b1])
    expect(ids(b)).toEqual([b1])

    // Nothing of A's is left to undo: B's stroke stays.
    a.undo()
    expect(ids(a)).toEqual([b1])

    const a2 = draw(a, [3, 3, 0.5])
    const b2 = draw(b, [4, 4, 0.5], blue)
    const b3 = draw(b, [5, 5, 0.5], blue)
    a.undo()
    expect(ids(a).sort()).toEqual([b1, b2, b3].sort())
    expect(ids(b).sort()).toEqual([b1, b2, b3].sort())

    a.redo()
    expect(ids(a).sort()).toEqual([a2, b1, b2, b3].sort())
    expect(ids(b).sort()).toEqual([a2, b1, b2, b3].sort())
    // Drawing a2 started a new history: a1's undo cannot be redone any more.
    a.redo()
    expect(ids(b).sort()).toEqual([a2, b1, b2, b3].sort())

    // B's undo takes back B's own last stroke only.
    b.undo()
    expect(ids(a).sort()).toEqual([a2, b1, b2].sort())
  })

  it("does not undo a peer's deletion, only the local one", () => {
    const { a, b } = new Pair()
    const a1 = draw(a, [1, 1, 0.5])
    const a2 = draw(a, [2, 2, 0.5])
    b.deleteShapes([a1])
    expect(ids(a)).toEqual([a2])
    // A's last own step is drawing a2: undo removes a2 and does not bring back a1.
    a.undo()
    expect(ids(a)).toEqual([])
    expect(ids(b)).toEqual([])
    b.undo()
    expect(ids(a)).toEqual([a1])
  })

  it('does not track live (in-progress) edits', () => {
    const board = new Board(new Y.Doc())
    const stroke = board.beginStroke(red, { pressure: false })
    stroke.append([1, 1, 0.5])
    expect(board.undoManager.undoStack).toHaveLength(0)
    stroke.commit()
    expect(board.undoManager.undoStack).toHaveLength(1)
    board.undo()
    expect(board.size).toBe(0)
    expect(board.liveStrokes()).toEqual([])
  })
})

describe('Board live strokes of peers who go', () => {
  it('drops the strokes of a peer whose link closed, and keeps the others', () => {
    const { a, b } = new Pair()
    const theirs = b.beginStroke(blue, { pressure: false })
    theirs.append([5, 5, 0.5])
    const mine = a.beginStroke(red, { pressure: false })
    mine.append([1, 1, 0.5])
    expect(
      a
        .liveStrokes()
        .map((stroke) => stroke.id)
        .sort(),
    ).toEqual([mine.id, theirs.id].sort())
    a.live.dropPeer('b')
    expect(a.liveStrokes().map((stroke) => stroke.id)).toEqual([mine.id])
  })

  it('refuses malformed live messages and keeps what it has', () => {
    const board = new Board(new Y.Doc())
    const remote = new Board(new Y.Doc())
    remote.live.connect((message) => expect(board.live.receive('r', message)).toBe(true))
    remote.beginStroke(red, { pressure: false }).append([1, 1, 0.5])
    expect(board.liveStrokes()).toHaveLength(1)
    expect(board.live.receive('r', new Uint8Array([9, 1, 65]))).toBe(false)
    expect(board.live.receive('r', new Uint8Array([0, 200]))).toBe(false)
    expect(board.liveStrokes()).toHaveLength(1)
  })
})

describe('Board validation on read', () => {
  it('skips nonsense written straight into the shapes map', () => {
    const { a, b } = new Pair()
    const good = draw(a, [1, 1, 0.5])
    expect(() => {
      a.doc.transact(() => {
        a.shapes.set('garbage', 'not a shape')
        a.shapes.set('number', 42)
        a.shapes.set('nothing', null)
        a.shapes.set('array', new Y.Array())
        a.shapes.set('nestedmap', new Y.Map())
        a.shapes.set('bad id!', rect(1))
      }, LOCAL)
      writeRaw(a, 'emptymap', {})
      writeRaw(a, 'badz', { ...rect(1), z: 'top' })
      writeRaw(a, 'badpoints', { ...rect(1), g: { type: 'pen', points: [1, 2, 3] } })
      writeRaw(a, 'truncated', { ...rect(1), g: { type: 'pen', points: new Uint8Array([16, 9]) } })
      writeRaw(a, 'nested', { ...rect(1), g: new Y.Map() })
    }).not.toThrow()
    for (const board of [a, b]) {
      expect(ids(board)).toEqual([good])
      expect(board.size).toBe(1)
      expect(board.shape('garbage')).toBeUndefined()
    }
  })

  it('drops a shape that a peer corrupts and restores it when fixed', () => {
    const { a, b } = new Pair()
    const id = draw(a, [1, 1, 0.5])
    // Overrides are validated like the base record.
    b.doc.transact(() => b.orders.set(id, Number.NaN), 'peer')
    expect(ids(a)).toEqual([])
    b.doc.transact(() => b.orders.set(id, 7), 'peer')
    expect(a.shape(id)?.z).toBe(7)
    b.doc.transact(() => b.styles.set(id, { color: '#zzzzzz', size: 1 }), 'peer')
    expect(a.size).toBe(0)
    b.doc.transact(() => b.positions.set(id, { x: 'left', y: 0 }), 'peer')
    b.doc.transact(() => b.styles.delete(id), 'peer')
    expect(a.size).toBe(0)
    b.doc.transact(() => b.positions.set(id, { x: 5, y: 6 }), 'peer')
    expect(a.shape(id)).toMatchObject({ x: 5, y: 6, z: 7 })
  })

  it('reads valid shapes already in a doc when constructed', () => {
    const doc = new Y.Doc()
    const first = new Board(doc)
    writeRaw(first, 'r1', rect(2))
    first.shapes.set('junk', 'x')
    const second = new Board(doc)
    expect(ids(second)).toEqual(['r1'])
  })
})

describe('Board paint order', () => {
  it('orders by z, then id', () => {
    const board = new Board(new Y.Doc())
    writeRaw(board, 'b', rect(2))
    writeRaw(board, 'c', rect(1))
    writeRaw(board, 'a', rect(2))
    writeRaw(board, 'd', rect(-5))
    writeRaw(board, 'a0', rect(1))
    expect(ids(board)).toEqual(['d', 'a0', 'c', 'a', 'b'])
  })

  it('gives every peer the same order whatever order shapes arrive in', () => {
    const entry = fc.tuple(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/),
      fc.integer({ min: -3, max: 3 }),
      fc.boolean(),
    )
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: ([id]) => id, maxLength: 15 }), (entries) => {
        const pair = new Pair()
        pair.auto = false
        // Each shape is written on one side or the other, so they arrive interleaved.
        for (const [id, z, onA] of entries) writeRaw(onA ? pair.a : pair.b, id, rect(z))
        pair.flush()
        const expected = entries
          .map(([id, z]) => ({ id, z }))
          .sort((x, y) => x.z - y.z || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
          .map(({ id }) => id)
        expect(ids(pair.a)).toEqual(expected)
        expect(ids(pair.b)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  }, 30_000)
})

describe('newShapeId', () => {
  it('makes distinct ids that parseShape accepts', () => {
    const made = new Set(Array.from({ length: 1000 }, newShapeId))
    expect(made.size).toBe(1000)
    for (const id of made) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
  })
})
