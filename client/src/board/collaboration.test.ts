import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from './board'
import { encodePoints } from './points'
import type { FreehandShape, ShapeStyle, StoredFields } from './shapes'

const black: ShapeStyle = { color: '#1e1e1e', size: 4, fill: null }
const red: ShapeStyle = { color: '#e03131', size: 4, fill: null }

/**
 * Two people's boards, each update sent to the other with the connection as origin (as the sync
 * layer does). With `live` off, updates queue until `flush`: the edits in between are concurrent.
 */
class Peers {
  readonly a = new Board(new Y.Doc())
  readonly b = new Board(new Y.Doc())
  live = true
  readonly #queue: { to: Y.Doc; update: Uint8Array; origin: object }[] = []

  constructor() {
    const fromA = { peer: 'a' }
    const fromB = { peer: 'b' }
    this.#link(this.a.doc, this.b.doc, fromA, fromB)
    this.#link(this.b.doc, this.a.doc, fromB, fromA)
  }

  #link(from: Y.Doc, to: Y.Doc, origin: object, incoming: object): void {
    from.on('update', (update: Uint8Array, source: unknown) => {
      if (source === incoming) return
      this.#queue.push({ to, update, origin })
      if (this.live) this.flush()
    })
  }

  flush(): void {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      Y.applyUpdate(next.to, next.update, next.origin)
    }
  }
}

function rect(board: Board, x = 0, y = 0, style: ShapeStyle = black): string {
  return board.create({ type: 'rect', w: 40, h: 30 }, style, { x, y })
}

function ids(board: Board): string[] {
  return board.allShapes().map((shape) => shape.id)
}

function where(board: Board, id: string): [number, number] | null {
  const shape = board.shape(id)
  return shape ? [shape.x, shape.y] : null
}

describe('concurrent edits of one shape', () => {
  it('converge to the same position when both move it', () => {
    const peers = new Peers()
    const { a, b } = peers
    const id = rect(a, 100, 100)
    peers.live = false
    a.move([id], 10, 0)
    b.move([id], 0, 20)
    peers.flush()
    expect(where(a, id)).toEqual(where(b, id))
    // One of the two moves wins whole; positions are never mixed into (110, 120).
    expect([
      [110, 100],
      [100, 120],
    ]).toContainEqual(where(a, id))
  })

  it('keep both a move and a restyle made at the same time', () => {
    const peers = new Peers()
    const { a, b } = peers
    const id = rect(a, 100, 100)
    peers.live = false
    a.move([id], 25, -5)
    b.setStyle([id], { color: red.color, fill: '#ffec99' })
    peers.flush()
    for (const board of [a, b]) {
      expect(board.shape(id)).toMatchObject({
        x: 125,
        y: 95,
        color: red.color,
        fill: '#ffec99',
        size: 4,
      })
    }
  })

  it('lose the shape on both sides when one deletes it while the other moves or restyles it', () => {
    const peers = new Peers()
    const { a, b } = peers
    const moved = rect(a, 0, 0)
    const restyled = rect(a, 100, 0)
    const kept = rect(b, 200, 0)
    peers.live = false
    a.deleteShapes([moved, restyled])
    b.move([moved], 50, 50)
    b.setStyle([restyled], { color: red.color })
    b.bringToFront([moved])
    peers.flush()
    expect(ids(a)).toEqual([kept])
    expect(ids(b)).toEqual([kept])
  })
})

describe('undo with two people', () => {
  it("takes back only one's own shape, never the other's", () => {
    const { a, b } = new Peers()
    const mine = rect(a, 0, 0)
    const theirs = rect(b, 50, 50)
    a.undo()
    expect(ids(a)).toEqual([theirs])
    expect(ids(b)).toEqual([theirs])
    // Nothing of A's is left to undo.
    a.undo()
    expect(ids(a)).toEqual([theirs])
    a.redo()
    expect(ids(b).sort()).toEqual([mine, theirs].sort())
  })

  it("reverts one's own restyle and keeps the other's later move of the same shape", () => {
    const { a, b } = new Peers()
    const id = rect(a, 0, 0)
    a.setStyle([id], { color: red.color })
    b.move([id], 30, 40)
    const stack = a.undoManager.undoStack.length
    a.undo()
    for (const board of [a, b]) {
      expect(board.shape(id)).toMatchObject({ x: 30, y: 40, color: black.color })
    }
    expect(a.undoManager.undoStack.length).toBe(stack - 1)
  })

  it("reverts one's own move and keeps the other's restyle of the same shape", () => {
    const { a, b } = new Peers()
    const id = rect(a, 10, 10)
    a.move([id], 100, 0)
    b.setStyle([id], { color: red.color, size: 8 })
    a.undo()
    for (const board of [a, b]) {
      expect(board.shape(id)).toMatchObject({ x: 10, y: 10, color: red.color, size: 8 })
    }
  })

  it("never puts back one's own position over the other's later move", () => {
    const { a, b } = new Peers()
    const id = rect(a, 0, 0)
    a.setStyle([id], { color: red.color })
    a.move([id], 10, 10)
    b.move([id], 100, 0)
    a.undo()
    for (const board of [a, b]) {
      expect(where(board, id)).toEqual([110, 10])
      // B's move voided A's: this undo takes back that step alone, never the one before it.
      expect(board.shape(id)?.color).toBe(red.color)
    }
    a.undo()
    for (const board of [a, b]) {
      expect(where(board, id)).toEqual([110, 10])
      expect(board.shape(id)?.color).toBe(black.color)
    }
  })

  it('one undo never takes back two steps, even when a peer voided the last one', () => {
    const { a, b } = new Peers()
    const id = rect(a, 0, 0)
    a.move([id], 10, 10)
    b.move([id], 100, 0)
    a.undo()
    for (const board of [a, b]) expect(where(board, id)).toEqual([110, 10])
    a.undo()
    for (const board of [a, b]) expect(board.shape(id)).toBeUndefined()
    a.redo()
    for (const board of [a, b]) expect(board.shape(id)).toBeDefined()
  })

  it("keeps the other's edits out of one's own undo history", () => {
    const { a, b } = new Peers()
    const id = rect(a, 0, 0)
    const stack = a.undoManager.undoStack.length
    b.move([id], 5, 5)
    b.setStyle([id], { color: red.color })
    rect(b, 9, 9)
    b.clear()
    expect(a.undoManager.undoStack.length).toBe(stack)
  })

  it('converges under random concurrent edits, undos and deliveries', () => {
    type Op =
      | { kind: 'create' | 'undo' | 'redo' | 'flush'; on: 0 | 1 }
      | { kind: 'move' | 'restyle' | 'delete' | 'front' | 'back'; on: 0 | 1; pick: number }
    const side = fc.constantFrom<0 | 1>(0, 1)
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constantFrom('create', 'undo', 'redo', 'flush' as const), on: side }),
      fc.record({
        kind: fc.constantFrom('move', 'restyle', 'delete', 'front', 'back' as const),
        on: side,
        pick: fc.nat(),
      }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const peers = new Peers()
        peers.live = false
        for (const step of ops) {
          const board = step.on === 0 ? peers.a : peers.b
          const shapes = board.allShapes()
          const target = 'pick' in step ? shapes[step.pick % Math.max(1, shapes.length)] : undefined
          const picked = target ? [target.id] : []
          if (step.kind === 'create') rect(board, step.on * 100, 0)
          else if (step.kind === 'move') board.move(picked, 7, -3)
          else if (step.kind === 'restyle') board.setStyle(picked, { color: red.color })
          else if (step.kind === 'delete') board.deleteShapes(picked)
          else if (step.kind === 'front') board.bringToFront(picked)
          else if (step.kind === 'back') board.sendToBack(picked)
          else if (step.kind === 'undo') board.undo()
          else if (step.kind === 'redo') board.redo()
          else peers.flush()
        }
        peers.flush()
        expect(peers.b.allShapes()).toEqual(peers.a.allShapes())
      }),
      { numRuns: 200 },
    )
  }, 60_000)
})

describe('Board commands', () => {
  it('duplicate copies shapes as they look now, offset, on top, as one undo step', () => {
    const { a, b } = new Peers()
    const first = rect(a, 0, 0)
    const second = a.create({ type: 'line', dx: 10, dy: 5 }, black, { x: 50, y: 50 })
    const other = rect(a, 500, 500)
    a.setStyle([first], { color: red.color })
    a.move([first], 5, 5)
    const stack = a.undoManager.undoStack.length

    const copies = a.duplicate([second, first, 'missing'])
    expect(copies).toHaveLength(2)
    expect(new Set([...copies, first, second, other]).size).toBe(5)
    const [copyOfFirst, copyOfSecond] = copies.map((id) => a.shape(id)!)
    expect(copyOfFirst).toMatchObject({ type: 'rect', x: 21, y: 21, w: 40, color: red.color })
    expect(copyOfSecond).toMatchObject({ type: 'line', x: 66, y: 66, dx: 10, dy: 5 })
    // On top of everything, in the originals' order.
    expect(ids(a).slice(-2)).toEqual(copies)
    expect(ids(b)).toEqual(ids(a))
    expect(a.undoManager.undoStack.length).toBe(stack + 1)

    a.undo()
    expect(ids(b).sort()).toEqual([first, second, other].sort())
    expect(a.duplicate([], 1, 1)).toEqual([])
  })

  it('duplicate copies strokes with their points and a custom offset', () => {
    const board = new Board(new Y.Doc())
    const points = encodePoints([0, 0, 0.5, 10, 10, 0.5], { pressure: false })
    const id = board.create({ type: 'pen', points }, black, { x: 3, y: 4 })
    const [copy] = board.duplicate([id], -3, 0)
    const original = board.shape(id) as FreehandShape
    expect(board.shape(copy!)).toMatchObject({ type: 'pen', x: 0, y: 4, points: original.points })
  })

  it('bringToFront and sendToBack restack the selection, keeping its own order, undoably', () => {
    const { a, b } = new Peers()
    const [s1, s2, s3, s4] = [rect(a), rect(a), rect(b), rect(b)]
    a.bringToFront([s2, s1])
    expect(ids(a)).toEqual([s3, s4, s1, s2])
    expect(ids(b)).toEqual([s3, s4, s1, s2])
    b.sendToBack([s2, s4])
    expect(ids(a)).toEqual([s4, s2, s3, s1])
    expect(ids(b)).toEqual([s4, s2, s3, s1])
    b.undo()
    expect(ids(a)).toEqual([s3, s4, s1, s2])
    a.sendToBack([s1, 'missing'])
    expect(ids(b)).toEqual([s1, s3, s4, s2])
    a.bringToFront([s3])
    expect(ids(b)).toEqual([s1, s4, s2, s3])
    a.undo()
    a.undo()
    expect(ids(b)).toEqual([s3, s4, s1, s2])
  })

  it('clear removes everything as one undo step, and undo brings it all back as it was', () => {
    const { a, b } = new Peers()
    const mine = rect(a, 0, 0)
    const theirs = rect(b, 100, 100)
    a.move([mine], 7, 8)
    a.setStyle([theirs], { color: red.color })
    const before = a.allShapes()
    const stack = a.undoManager.undoStack.length

    a.clear()
    expect(a.size).toBe(0)
    expect(b.size).toBe(0)
    expect(a.undoManager.undoStack.length).toBe(stack + 1)

    a.undo()
    expect(a.allShapes()).toEqual(before)
    expect(b.allShapes()).toEqual(before)
  })

  it('putShapes writes the valid entries, skips the others, and is one undo step', () => {
    const { a, b } = new Peers()
    const existing = rect(a, 0, 0)
    a.move([existing], 300, 300)
    a.setStyle([existing], { color: red.color })
    const valid = (x: number): StoredFields => ({
      g: { type: 'ellipse', w: 20, h: 10 },
      s: { color: '#2f9e44', size: 2, fill: null },
      z: 5,
      x,
      y: 1,
    })
    const stack = a.undoManager.undoStack.length
    const written = a.putShapes([
      { id: 'imported1', fields: valid(10) },
      { id: existing, fields: valid(20) },
      { id: 'bad id!', fields: valid(30) },
      { id: 'badstyle', fields: { ...valid(40), s: { color: 'green', size: 2 } } },
      { id: 'badgeometry', fields: { ...valid(50), g: { type: 'star' } } },
      { id: 'badz', fields: { ...valid(60), z: 'top' } },
      { id: 'far', fields: { ...valid(70), x: 1e12 } },
    ])
    expect(written).toBe(2)
    for (const board of [a, b]) {
      expect(ids(board).sort()).toEqual(['imported1', existing].sort())
      expect(board.shape('imported1')).toMatchObject({ type: 'ellipse', x: 10, y: 1, z: 5 })
      // An imported shape replaces the one with its id whole, earlier moves and restyles too.
      expect(board.shape(existing)).toMatchObject({ type: 'ellipse', x: 20, color: '#2f9e44' })
    }
    expect(a.undoManager.undoStack.length).toBe(stack + 1)
    expect(a.putShapes([{ id: 'nothing', fields: { g: null, s: null, z: 0 } }])).toBe(0)
    expect(a.undoManager.undoStack.length).toBe(stack + 1)

    a.undo()
    expect(ids(b)).toEqual([existing])
    expect(b.shape(existing)).toMatchObject({ type: 'rect', x: 300, y: 300, color: red.color })
  })
})
