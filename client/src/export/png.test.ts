/**
 * Node has no canvas: these tests give exportPng a recording OffscreenCanvas and Path2D, and
 * check what it asks of them. The real pixels are checked in Chromium (tests/e2e/export).
 */
import * as Y from 'yjs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Board } from '../board/board'
import { encodePoints } from '../board/points'
import type { Shape } from '../board/shapes'
import { paintOrder, paintShape } from '../render/paint'
import { INK, ONE_PIXEL_PNG, sampleBoard, snapshot, wave } from './fixtures'
import { importFile } from './import-file'
import { imageLayout, MAX_CANVAS_SIDE } from './layout'
import { PEERBOARD_KEYWORD, readChunks, readTextChunk } from './png-chunks'
import { exportPng } from './png'

vi.mock('../render/paint', async (importOriginal) => {
  const original = await importOriginal<typeof import('../render/paint')>()
  return { ...original, paintShape: vi.fn() }
})

type Call = [string, ...unknown[]]

class FakeCanvas {
  static last: FakeCanvas | null = null
  readonly calls: Call[] = []
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    FakeCanvas.last = this
  }
  getContext(kind: string, options?: CanvasRenderingContext2DSettings) {
    expect(kind).toBe('2d')
    expect(options?.willReadFrequently ?? true).toBe(true)
    const calls = this.calls
    return new Proxy(
      {},
      {
        get:
          (_, name: string) =>
          (...args: unknown[]) =>
            calls.push([name, ...args]),
        set: (_, name: string, value: unknown) => (calls.push([`=${name}`, value]), true),
      },
    )
  }
  async convertToBlob(options: { type: string }) {
    expect(options.type).toBe('image/png')
    return new Blob([ONE_PIXEL_PNG.slice()], { type: 'image/png' })
  }
}

class FakePath {}

beforeEach(() => {
  vi.stubGlobal('OffscreenCanvas', FakeCanvas)
  vi.stubGlobal('Path2D', FakePath)
  vi.mocked(paintShape).mockClear()
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer())
}

describe('exportPng', () => {
  it('paints every shape with the screen painter, in paint order, on a white background', async () => {
    const board = sampleBoard()
    const blob = await exportPng(board)
    expect(blob.type).toBe('image/png')

    const canvas = FakeCanvas.last!
    const painted = vi.mocked(paintShape).mock.calls.map(([, shape]) => shape)
    expect(painted).toEqual(paintOrder(board.allShapes()))
    expect(painted[0]!.type).toBe('highlighter')
    for (const [context] of vi.mocked(paintShape).mock.calls) {
      expect(context).toBe(vi.mocked(paintShape).mock.calls[0]![0])
    }
    expect(canvas.calls.slice(0, 3)).toEqual([
      ['=fillStyle', '#ffffff'],
      ['fillRect', 0, 0, canvas.width, canvas.height],
      ['setTransform', 2, 0, 0, 2, expect.any(Number), expect.any(Number)],
    ])
  })

  it('sizes the image to the drawing plus padding at the scale', async () => {
    const board = new Board(new Y.Doc())
    board.create({ type: 'rect', w: 100, h: 50 }, { ...INK, size: 2 }, { x: 10, y: 20 })
    await exportPng(board, { scale: 3, padding: 5, background: false })
    const canvas = FakeCanvas.last!
    // Bounds 9..111 × 19..71 (half the stroke outside), plus 5 on each side.
    expect([canvas.width, canvas.height]).toEqual([336, 186])
    expect(canvas.calls[0]).toEqual(['setTransform', 3, 0, 0, 3, -12, -42])
    expect(canvas.calls.some(([name]) => name === 'fillRect')).toBe(false)
  })

  it('caps the canvas for a huge board', async () => {
    const board = new Board(new Y.Doc())
    board.create({ type: 'line', dx: 1e6, dy: 10 }, INK, { x: 1, y: 1 })
    await exportPng(board)
    expect(FakeCanvas.last!.width).toBeLessThanOrEqual(MAX_CANVAS_SIDE)
  })

  it('exports an empty board as a small blank image that still holds a board', async () => {
    const bytes = await bytesOf(await exportPng(new Board(new Y.Doc())))
    const blank = imageLayout({ x: -16, y: -16, width: 32, height: 32 }, 2)
    expect([FakeCanvas.last!.width, FakeCanvas.last!.height]).toEqual([
      blank.pixelWidth,
      blank.pixelHeight,
    ])
    expect(vi.mocked(paintShape)).not.toHaveBeenCalled()
    expect(readTextChunk(bytes, PEERBOARD_KEYWORD)).toContain('"shapes": 0')
  })

  it('hands the renderer’s cached outlines to the painter', async () => {
    const board = sampleBoard()
    const cached = new FakePath() as Path2D
    const pathOf = vi.fn((shape: Shape) => (shape.type === 'pen' ? cached : undefined))
    await exportPng(board, { pathOf })
    const pen = vi.mocked(paintShape).mock.calls.find(([, shape]) => shape.type === 'pen')
    expect(pen?.[2]).toBe(cached)
    expect(pathOf).toHaveBeenCalledTimes(board.size)
  })

  it('embeds the board, so importing the PNG gives it back', async () => {
    const source = sampleBoard()
    const bytes = await bytesOf(await exportPng(source))
    expect(readChunks(bytes).map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'tEXt', 'IEND'])
    const target = new Board(new Y.Doc())
    await expect(importFile(bytes, target)).resolves.toEqual({ shapes: 7 })
    expect(snapshot(target)).toEqual(snapshot(source))
  })

  it('yields to the event loop between slices of painting', async () => {
    const board = new Board(new Y.Doc())
    for (let i = 0; i < 50; i++) {
      board.create({ type: 'pen', points: encodePoints(wave(i, i), { pressure: false }) }, INK, {
        x: 1,
        y: 1,
      })
    }
    // Painting one shape "takes" 3 ms on this clock.
    let clock = 0
    vi.spyOn(performance, 'now').mockImplementation(() => clock)
    vi.mocked(paintShape).mockImplementation(() => void (clock += 3))
    const timeout = vi.spyOn(globalThis, 'setTimeout')
    await exportPng(board)
    expect(vi.mocked(paintShape)).toHaveBeenCalledTimes(50)
    // A first batch of 8 (24 ms), then batches of 3 (9 ms), each flushed, then a yield.
    const flushes = FakeCanvas.last!.calls.filter(([name]) => name === 'getImageData')
    expect(flushes).toHaveLength(1 + Math.ceil(42 / 3))
    expect(timeout.mock.calls.length).toBeGreaterThanOrEqual(flushes.length)
  })

  it('falls back to a canvas element without OffscreenCanvas', async () => {
    vi.stubGlobal('OffscreenCanvas', undefined)
    const element = {
      width: 0,
      height: 0,
      getContext: () => new FakeCanvas(0, 0).getContext('2d'),
      toBlob: (done: (blob: Blob | null) => void, type: string) => {
        expect(type).toBe('image/png')
        done(new Blob([ONE_PIXEL_PNG.slice()]))
      },
    }
    vi.stubGlobal('document', { createElement: () => element })
    const bytes = await bytesOf(await exportPng(sampleBoard()))
    expect(element.width).toBeGreaterThan(1)
    expect(readTextChunk(bytes, PEERBOARD_KEYWORD)).toContain('"format": "peerboard"')
  })
})
