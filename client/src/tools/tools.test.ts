import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../board/board'
import { encodePoints } from '../board/points'
import type { Shape, ShapeStyle } from '../board/shapes'
import { Viewport } from '../render/viewport'
import { createToolContext } from '../state/tool-context'
import { EraserTool } from './eraser-tool'
import { FreehandTool } from './freehand-tool'
import { HandTool } from './hand-tool'
import { SelectTool } from './select-tool'
import { Selection } from './selection'
import { ShapeTool } from './shape-tool'
import { TextTool } from './text-tool'
import type { Tool, ToolInput } from './tool'

const ink: ShapeStyle = { color: '#1e1e1e', size: 4, fill: null }

function setup(options: { style?: ShapeStyle; zoom?: number } = {}) {
  const board = new Board(new Y.Doc())
  const viewport = new Viewport()
  viewport.zoom = options.zoom ?? 1
  const selection = new Selection()
  const editText = vi.fn<(id: string | null) => void>()
  const invalidate = vi.fn<() => void>()
  const context = createToolContext({
    board,
    viewport,
    selection,
    index: () => null,
    style: () => options.style ?? ink,
    editText,
    invalidate,
  })
  /** Pointer input at a board position, with the matching screen position. */
  const at = (x: number, y: number, extra: Partial<ToolInput> = {}): ToolInput => {
    const screen = viewport.toScreen(x, y)
    return {
      x,
      y,
      screenX: screen.x,
      screenY: screen.y,
      pressure: 0.5,
      withPressure: false,
      shift: false,
      ...extra,
    }
  }
  /** Presses at the first point, moves through the others one event each, releases at the last. */
  const drag = (tool: Tool, path: [number, number][], extra: Partial<ToolInput> = {}) => {
    const inputs = path.map(([x, y]) => at(x, y, extra))
    tool.down(inputs[0]!)
    for (const input of inputs.slice(1)) tool.move([input])
    tool.up(inputs[inputs.length - 1]!)
  }
  return { board, viewport, selection, editText, invalidate, context, at, drag }
}

function only(board: Board): Shape {
  expect(board.size).toBe(1)
  return board.allShapes()[0]!
}

function position(board: Board, id: string): [number, number] {
  const shape = board.shape(id)
  return shape ? [shape.x, shape.y] : [NaN, NaN]
}

describe('FreehandTool', () => {
  it('draws one pen shape per stroke, shown live until it is released', () => {
    const { board, context, at } = setup()
    const pen: Tool = new FreehandTool(context, 'pen')
    pen.down(at(10, 10))
    pen.move([at(20, 10)])
    pen.move([at(30, 15), at(40, 20)])

    expect(board.size).toBe(0)
    const live = board.liveStrokes()
    expect(live).toHaveLength(1)
    expect(live[0]).toMatchObject({ type: 'pen', color: ink.color, size: ink.size })
    expect(live[0]!.points).toEqual([10, 10, 0.5, 20, 10, 0.5, 30, 15, 0.5, 40, 20, 0.5])

    pen.up(at(40, 20))
    expect(board.liveStrokes()).toEqual([])
    expect(only(board)).toMatchObject({
      type: 'pen',
      color: ink.color,
      size: ink.size,
      pressure: false,
      points: [10, 10, 0.5, 20, 10, 0.5, 30, 15, 0.5, 40, 20, 0.5],
    })

    pen.down(at(100, 100))
    pen.move([at(110, 100)])
    pen.up(at(110, 100))
    expect(board.size).toBe(2)
    board.undo()
    const first = only(board)
    expect(first.type === 'pen' && first.points.slice(0, 2)).toEqual([10, 10])
  })

  it('draws highlighter shapes four times as wide', () => {
    const { board, context, drag } = setup()
    drag(new FreehandTool(context, 'highlighter'), [
      [0, 0],
      [50, 0],
      [100, 10],
    ])
    expect(only(board)).toMatchObject({ type: 'highlighter', size: ink.size * 4 })
  })

  it('drops samples too close to the previous one to be seen', () => {
    const { board, context, at } = setup()
    const pen: Tool = new FreehandTool(context, 'pen')
    pen.down(at(10, 10))
    pen.move([at(10.2, 10), at(10.5, 10.1), at(20, 10), at(20.3, 10)])
    pen.move([at(20, 10.4)])
    pen.up(at(20, 10.4))
    const shape = only(board)
    expect(shape.type === 'pen' && shape.points).toEqual([10, 10, 0.5, 20, 10, 0.5])
  })

  it('measures "too close" in screen pixels, so zooming in keeps fine detail', () => {
    const { board, context, at } = setup({ zoom: 4 })
    const pen: Tool = new FreehandTool(context, 'pen')
    pen.down(at(10, 10))
    // 0.5 board units are 2 screen pixels at 400 %.
    pen.move([at(10.5, 10), at(11, 10)])
    pen.up(at(11, 10))
    const shape = only(board)
    expect(shape.type === 'pen' && shape.points).toEqual([10, 10, 0.5, 10.5, 10, 0.5, 11, 10, 0.5])
  })

  it('keeps the pressure a pen reports', () => {
    const { board, context, drag } = setup()
    drag(
      new FreehandTool(context, 'pen'),
      [
        [0, 0],
        [10, 0],
      ],
      { withPressure: true, pressure: 0.8 },
    )
    const shape = only(board)
    expect(shape.type === 'pen' && shape.pressure).toBe(true)
    expect(shape.type === 'pen' && shape.points[2]).toBeCloseTo(0.8, 2)
  })

  it('keeps what was drawn when the pointer is cancelled, and commits a stroke left open', () => {
    const { board, context, at } = setup()
    const pen: Tool = new FreehandTool(context, 'pen')
    pen.down(at(0, 0))
    pen.move([at(10, 10)])
    pen.cancel()
    expect(board.size).toBe(1)
    expect(board.liveStrokes()).toEqual([])

    pen.down(at(50, 50))
    pen.move([at(60, 60)])
    // A second press without a release (a lost pointerup) starts a new stroke.
    pen.down(at(100, 100))
    pen.up(at(100, 100))
    expect(board.size).toBe(3)
    expect(board.liveStrokes()).toEqual([])
  })

  it('ignores moves and releases without a press', () => {
    const { board, context, at } = setup()
    const pen: Tool = new FreehandTool(context, 'pen')
    pen.move([at(1, 1)])
    pen.up(at(1, 1))
    expect(board.size).toBe(0)
    expect(board.liveStrokes()).toEqual([])
  })
})

describe('ShapeTool', () => {
  const directions: [number, number][] = [
    [60, 40],
    [-60, 40],
    [60, -40],
    [-60, -40],
    [80, 0],
    [0, -80],
  ]

  it('makes nothing on a click or a drag of less than 3 screen pixels', () => {
    for (const name of ['line', 'arrow', 'rect', 'ellipse'] as const) {
      const { board, selection, context, drag } = setup()
      drag(new ShapeTool(context, name), [
        [100, 100],
        [101, 101],
        [100, 102],
      ])
      drag(new ShapeTool(context, name), [[100, 100]])
      expect(board.size).toBe(0)
      expect(selection.size).toBe(0)
    }
  })

  it('measures the click threshold on screen: at 400 % a 2-unit drag is a shape', () => {
    const { board, context, drag } = setup({ zoom: 4 })
    drag(new ShapeTool(context, 'rect'), [
      [100, 100],
      [102, 101],
    ])
    expect(only(board)).toMatchObject({ type: 'rect', x: 100, y: 100, w: 2, h: 1 })
  })

  it('draws lines and arrows from the press to the release, in every direction', () => {
    for (const name of ['line', 'arrow'] as const) {
      for (const [dx, dy] of directions) {
        const { board, context, drag } = setup({ style: { ...ink, fill: '#ffec99' } })
        drag(new ShapeTool(context, name), [
          [100, 100],
          [100 + dx / 2, 100 + dy / 3],
          [100 + dx, 100 + dy],
        ])
        // A line has no inside to fill.
        expect(only(board)).toMatchObject({ type: name, x: 100, y: 100, dx, dy, fill: null })
      }
    }
  })

  it('draws rectangles and ellipses with the top-left corner and size, in every direction', () => {
    for (const name of ['rect', 'ellipse'] as const) {
      for (const [dx, dy] of directions) {
        const { board, context, drag } = setup({ style: { ...ink, fill: '#ffec99' } })
        drag(new ShapeTool(context, name), [
          [100, 100],
          [100 - dx, 100 - dy],
          [100 + dx, 100 + dy],
        ])
        expect(only(board)).toMatchObject({
          type: name,
          x: Math.min(100, 100 + dx),
          y: Math.min(100, 100 + dy),
          w: Math.abs(dx),
          h: Math.abs(dy),
          fill: '#ffec99',
          color: ink.color,
        })
      }
    }
  })

  it('with Shift, snaps lines to 45° steps and keeps their length', () => {
    const offset = fc.integer({ min: -300, max: 300 })
    fc.assert(
      fc.property(
        offset,
        offset,
        fc.constantFrom('line' as const, 'arrow' as const),
        (dx, dy, name) => {
          fc.pre(Math.hypot(dx, dy) >= 3)
          const { board, context, drag } = setup()
          drag(
            new ShapeTool(context, name),
            [
              [0, 0],
              [dx, dy],
            ],
            { shift: true },
          )
          const shape = only(board)
          if (shape.type !== 'line' && shape.type !== 'arrow') throw new Error('not a line')
          expect(Math.hypot(shape.dx, shape.dy)).toBeCloseTo(Math.hypot(dx, dy), 1)
          const steps = Math.atan2(shape.dy, shape.dx) / (Math.PI / 4)
          expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-3)
          // The nearest step to where the pointer is.
          const angle = Math.atan2(dy, dx) - Math.atan2(shape.dy, shape.dx)
          expect(Math.abs(Math.atan2(Math.sin(angle), Math.cos(angle)))).toBeLessThanOrEqual(
            Math.PI / 8 + 1e-6,
          )
        },
      ),
      { numRuns: 100 },
    )
  })

  it('with Shift, snaps a nearly flat line to horizontal and a near diagonal to 45°', () => {
    const { board, context, drag } = setup()
    drag(
      new ShapeTool(context, 'line'),
      [
        [0, 0],
        [50, 10],
      ],
      { shift: true },
    )
    drag(
      new ShapeTool(context, 'arrow'),
      [
        [0, 0],
        [-40, 38],
      ],
      { shift: true },
    )
    const [flat, diagonal] = board.allShapes()
    expect(flat).toMatchObject({ type: 'line', dx: Math.round(Math.hypot(50, 10) * 100) / 100 })
    expect(flat?.type === 'line' && flat.dy).toBeCloseTo(0, 9)
    const side = Math.hypot(40, 38) / Math.SQRT2
    expect(diagonal?.type === 'arrow' && diagonal.dx).toBeCloseTo(-side, 1)
    expect(diagonal?.type === 'arrow' && diagonal.dy).toBeCloseTo(side, 1)
  })

  it('with Shift, makes boxes square on the longer side, towards the pointer', () => {
    const cases: [number, number, { x: number; y: number; w: number }][] = [
      [80, -30, { x: 100, y: 20, w: 80 }],
      [-20, 50, { x: 50, y: 100, w: 50 }],
      [-70, -70, { x: 30, y: 30, w: 70 }],
      [40, 0, { x: 100, y: 100, w: 40 }],
    ]
    for (const name of ['rect', 'ellipse'] as const) {
      for (const [dx, dy, expected] of cases) {
        const { board, context, drag } = setup()
        drag(
          new ShapeTool(context, name),
          [
            [100, 100],
            [100 + dx, 100 + dy],
          ],
          { shift: true },
        )
        expect(only(board)).toMatchObject({ ...expected, h: expected.w })
      }
    }
  })

  it('shows the shape from the first drag frame and makes the whole drag one undo step', () => {
    const { board, context, at } = setup()
    const tool = new ShapeTool(context, 'rect')
    tool.down(at(0, 0))
    tool.move([at(10, 10)])
    expect(only(board)).toMatchObject({ w: 10, h: 10 })
    for (let i = 2; i <= 20; i++) tool.move([at(i * 10, i * 5)])
    tool.up(at(-50, 300))
    expect(only(board)).toMatchObject({ x: -50, y: 0, w: 50, h: 300 })

    const before = board.undoManager.undoStack.length
    board.undo()
    expect(board.size).toBe(0)
    expect(board.undoManager.undoStack.length).toBe(before - 1)
    board.redo()
    expect(only(board)).toMatchObject({ x: -50, y: 0, w: 50, h: 300 })
  })

  it('keeps drags of successive shapes as separate undo steps', () => {
    const { board, context, drag } = setup()
    drag(new ShapeTool(context, 'ellipse'), [
      [0, 0],
      [10, 10],
      [20, 20],
    ])
    drag(new ShapeTool(context, 'line'), [
      [50, 50],
      [60, 70],
      [70, 90],
    ])
    board.undo()
    expect(only(board)).toMatchObject({ type: 'ellipse', w: 20, h: 20 })
  })

  it('selects the new shape when the drag ends', () => {
    const { board, selection, context, drag } = setup()
    selection.set(['something-else'])
    drag(new ShapeTool(context, 'arrow'), [
      [0, 0],
      [30, 30],
    ])
    expect([...selection.ids]).toEqual([only(board).id])
  })
})

describe('EraserTool', () => {
  /** A thin horizontal stroke, a box far away and a vertical line. */
  function scene() {
    const harness = setup()
    const { board } = harness
    const thin = { ...ink, size: 1 }
    const stroke = board.create(
      { type: 'pen', points: encodePoints([0, 100, 0.5, 200, 100, 0.5], { pressure: false }) },
      thin,
      { x: 0, y: 0 },
    )
    const far = board.create({ type: 'rect', w: 50, h: 50 }, ink, { x: 1000, y: 1000 })
    const upright = board.create({ type: 'line', dx: 0, dy: 200 }, ink, { x: 300, y: 0 })
    return { ...harness, stroke, far, upright }
  }

  it('erases a thin stroke crossed between two far-apart samples, and nothing else', () => {
    const { board, context, drag, stroke, far, upright } = scene()
    drag(new EraserTool(context), [
      [50, 50],
      [50, 150],
    ])
    expect(board.shape(stroke)).toBeUndefined()
    expect(board.shape(far)).toBeDefined()
    expect(board.shape(upright)).toBeDefined()
  })

  it('erases every shape along a swipe, as one undo step that restores them all', () => {
    const { board, context, at, stroke, far, upright } = scene()
    const eraser: Tool = new EraserTool(context)
    const before = board.undoManager.undoStack.length
    eraser.down(at(100, 100))
    expect(board.shape(stroke)).toBeUndefined()
    eraser.move([at(200, 50), at(400, 50)])
    eraser.up(at(400, 50))
    expect(board.allShapes().map((shape) => shape.id)).toEqual([far])
    expect(board.undoManager.undoStack.length).toBe(before + 1)

    board.undo()
    expect(
      board
        .allShapes()
        .map((shape) => shape.id)
        .sort(),
    ).toEqual([stroke, far, upright].sort())
  })

  it('leaves shapes just out of reach, and no undo step when it erases nothing', () => {
    const { board, context, drag } = scene()
    const before = board.undoManager.undoStack.length
    // The eraser reaches 8 px plus half the stroke (0.5) around its path.
    drag(new EraserTool(context), [
      [0, 100 - 9],
      [200, 100 - 9],
    ])
    expect(board.size).toBe(3)
    expect(board.undoManager.undoStack.length).toBe(before)
  })

  it('erases nothing on moves without a press', () => {
    const { board, context, at } = scene()
    const eraser: Tool = new EraserTool(context)
    eraser.move([at(100, 100), at(300, 100)])
    eraser.down(at(600, 600))
    eraser.up(at(600, 600))
    eraser.move([at(100, 100), at(300, 100)])
    expect(board.size).toBe(3)
  })
})

describe('SelectTool', () => {
  /** Two filled boxes overlapping at (50..100, 50..100), b on top, and a text. */
  function scene() {
    const harness = setup()
    const { board } = harness
    const filled = { ...ink, fill: '#ffec99' }
    const a = board.create({ type: 'rect', w: 100, h: 100 }, filled, { x: 0, y: 0 })
    const b = board.create({ type: 'rect', w: 100, h: 100 }, filled, { x: 50, y: 50 })
    const label = board.create({ type: 'text', text: 'hello' }, ink, { x: 400, y: 400 })
    return { ...harness, select: new SelectTool(harness.context), a, b, label }
  }

  it('selects the topmost shape under a click', () => {
    const { select, selection, drag, b } = scene()
    drag(select, [[75, 75]])
    expect([...selection.ids]).toEqual([b])
  })

  it('adds and removes shapes with Shift-click, and clears on a click on empty board', () => {
    const { select, selection, drag, a, b } = scene()
    drag(select, [[25, 25]])
    drag(select, [[140, 140]], { shift: true })
    expect([...selection.ids].sort()).toEqual([a, b].sort())
    drag(select, [[25, 25]], { shift: true })
    expect([...selection.ids]).toEqual([b])
    drag(select, [[-300, -300]])
    expect(selection.size).toBe(0)
  })

  it('narrows a multiple selection to the shape clicked without Shift', () => {
    const { select, selection, drag, a, b } = scene()
    selection.set([a, b])
    drag(select, [[25, 25]])
    expect([...selection.ids]).toEqual([a])
  })

  it('box-selects the shapes wholly inside the marquee, shown while dragging', () => {
    const { select, selection, invalidate, at, a, b, label } = scene()
    select.down(at(-20, -20))
    select.move([at(130, 130)])
    // a (0..100, stroke to 102) is inside; b reaches 152.
    expect([...selection.ids]).toEqual([a])
    expect(select.marquee()).toEqual({ minX: -20, minY: -20, maxX: 130, maxY: 130 })
    expect(invalidate).toHaveBeenCalled()
    select.move([at(900, 900)])
    expect([...selection.ids].sort()).toEqual([a, b, label].sort())
    select.up(at(900, 900))
    expect(select.marquee()).toBeNull()
  })

  it('box-selects in any drag direction, and adds to the selection with Shift', () => {
    const { select, selection, drag, b, label } = scene()
    selection.set([label])
    drag(
      select,
      [
        [200, 200],
        [40, 40],
      ],
      { shift: true },
    )
    expect([...selection.ids].sort()).toEqual([b, label].sort())
  })

  it('moves the selection by the pointer delta, as one undo step', () => {
    const { board, select, selection, at, a, b, label } = scene()
    selection.set([a, b])
    const before = board.undoManager.undoStack.length
    select.down(at(75, 75))
    select.move([at(80, 70)])
    select.move([at(90, 60), at(100, 50)])
    select.move([at(105, 55)])
    select.up(at(105, 55))
    expect(position(board, a)).toEqual([30, -20])
    expect(position(board, b)).toEqual([80, 30])
    expect(position(board, label)).toEqual([400, 400])
    expect([...selection.ids].sort()).toEqual([a, b].sort())
    expect(board.undoManager.undoStack.length).toBe(before + 1)

    board.undo()
    expect(position(board, a)).toEqual([0, 0])
    expect(position(board, b)).toEqual([50, 50])
    expect(board.size).toBe(3)
  })

  it('drags an unselected shape straight away', () => {
    const { board, select, selection, drag, a } = scene()
    drag(select, [
      [10, 10],
      [20, 30],
    ])
    expect([...selection.ids]).toEqual([a])
    expect(position(board, a)).toEqual([10, 20])
  })

  it('opens the text editor on a double-click on a text, and only on a text', () => {
    const { select, editText, at, label } = scene()
    select.doubleClick(at(75, 75))
    select.doubleClick(at(-300, -300))
    expect(editText).not.toHaveBeenCalled()
    select.doubleClick(at(410, 410))
    expect(editText).toHaveBeenCalledExactlyOnceWith(label)
  })
})

describe('TextTool', () => {
  it('creates an empty text where clicked and opens the editor on it', () => {
    const { board, editText, context, drag } = setup({ style: { ...ink, fill: '#ffec99' } })
    drag(new TextTool(context), [[120, 80]])
    const shape = only(board)
    expect(shape).toMatchObject({ type: 'text', text: '', x: 120, y: 80, fill: null })
    expect(editText).toHaveBeenCalledExactlyOnceWith(shape.id)
  })

  it('edits an existing text when clicked on, without making another', () => {
    const { board, editText, context, drag } = setup()
    const id = board.create({ type: 'text', text: 'hello' }, ink, { x: 0, y: 0 })
    drag(new TextTool(context), [[10, 10]])
    expect(board.size).toBe(1)
    expect(editText).toHaveBeenCalledExactlyOnceWith(id)
  })
})

describe('HandTool', () => {
  it('pans the view so the board follows the pointer, at any zoom', () => {
    for (const zoom of [1, 2, 0.5]) {
      const { viewport, context, at } = setup({ zoom })
      const hand = new HandTool(context)
      const tool: Tool = hand
      const grabbed = at(100, 100)
      tool.down(grabbed)
      expect(hand.panning).toBe(true)
      tool.move([{ ...grabbed, screenX: grabbed.screenX + 10, screenY: grabbed.screenY }])
      tool.move([{ ...grabbed, screenX: grabbed.screenX + 30, screenY: grabbed.screenY - 20 }])
      // The board point grabbed is under the pointer still.
      expect(viewport.toScreen(100, 100)).toEqual({
        x: grabbed.screenX + 30,
        y: grabbed.screenY - 20,
      })
      tool.up(grabbed)
      expect(hand.panning).toBe(false)
      const { x, y } = viewport
      tool.move([{ ...grabbed, screenX: 0, screenY: 0 }])
      expect([viewport.x, viewport.y]).toEqual([x, y])
    }
  })
})
