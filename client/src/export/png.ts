/**
 * PNG export through the screen's own painter (paintShape in paintOrder) on an offscreen
 * canvas, so the image looks exactly like the board. The board file rides along in a
 * `peerboard` tEXt chunk: importing the PNG gives back an editable board.
 */
import type { Board } from '../board/board'
import type { Shape } from '../board/shapes'
import { paintOrder, paintShape } from '../render/paint'
import { encodeBoardFile } from './board-file'
import { DEFAULT_PADDING, DEFAULT_SCALE, imageLayout, paddedArea } from './layout'
import { PEERBOARD_KEYWORD, writeTextChunk } from './png-chunks'
import { browserTextMeasure, contentBounds } from './text-bounds'
import { nextTask, SLICE_MS } from './time-slicer'

export interface PngExportOptions {
  /** Device pixels per board unit (default 2, sharp on high-density screens). */
  scale?: number
  /** White when true (the default), transparent when false. */
  background?: boolean
  /** Board units of margin around the drawing (default 16). */
  padding?: number
  /** The renderer's cached outline of a freehand shape, to avoid tracing it again. */
  pathOf?: (shape: Shape) => Path2D | undefined
}

const FIRST_BATCH = 8
const MAX_BATCH = 4096
/** Read back once per slice (see paintInSlices): a CPU-backed canvas makes that cheap. */
const CONTEXT_OPTIONS: CanvasRenderingContext2DSettings = { willReadFrequently: true }

export async function exportPng(board: Board, options: PngExportOptions = {}): Promise<Blob> {
  // Both read now, so the picture and the embedded board agree if someone draws meanwhile.
  const shapes = paintOrder(board.allShapes())
  const boardFile = encodeBoardFile(board)
  await nextTask()

  const area = paddedArea(
    contentBounds(shapes, browserTextMeasure()),
    options.padding ?? DEFAULT_PADDING,
  )
  const layout = imageLayout(area, options.scale ?? DEFAULT_SCALE)
  const surface = createSurface(layout.pixelWidth, layout.pixelHeight)
  const { context } = surface
  if (options.background ?? true) {
    context.fillStyle = '#ffffff'
    context.fillRect(0, 0, layout.pixelWidth, layout.pixelHeight)
  }
  const { scale, x, y } = layout
  context.setTransform(scale, 0, 0, scale, -x * scale, -y * scale)
  await nextTask()

  await paintInSlices(context, shapes, options.pathOf)
  const image = new Uint8Array(await (await surface.toBlob()).arrayBuffer())
  const withBoard = writeTextChunk(image, PEERBOARD_KEYWORD, boardFile)
  return new Blob([withBoard.slice()], { type: 'image/png' })
}

/**
 * A 2D canvas records drawing and rasterizes it later, all at once when the PNG is encoded: a
 * long freeze on a big board. So each slice paints a batch and reads a pixel back, which
 * rasterizes the batch now, and the batch size adapts to keep each slice near SLICE_MS.
 */
async function paintInSlices(
  context: CanvasRenderingContext2D,
  shapes: readonly Shape[],
  pathOf: PngExportOptions['pathOf'],
): Promise<void> {
  let batch = FIRST_BATCH
  for (let i = 0; i < shapes.length;) {
    const start = performance.now()
    for (const end = Math.min(shapes.length, i + batch); i < end; i++) {
      const shape = shapes[i]!
      paintShape(context, shape, pathOf?.(shape))
    }
    context.getImageData(0, 0, 1, 1)
    const spent = Math.max(performance.now() - start, 0.5)
    batch = Math.max(1, Math.min(MAX_BATCH, Math.round((batch * SLICE_MS) / spent)))
    await nextTask()
  }
}

interface Surface {
  context: CanvasRenderingContext2D
  toBlob(): Promise<Blob>
}

function createSurface(width: number, height: number): Surface {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height)
    const context = canvas.getContext('2d', CONTEXT_OPTIONS)
    if (!context) throw noCanvas(width, height)
    return {
      // paintShape is typed for the screen's context; the offscreen one has all it uses.
      context: context as unknown as CanvasRenderingContext2D,
      toBlob: () => canvas.convertToBlob({ type: 'image/png' }),
    }
  }
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d', CONTEXT_OPTIONS)
  if (!context) throw noCanvas(width, height)
  return {
    context,
    toBlob: () =>
      new Promise((resolve, reject) =>
        canvas.toBlob(
          (blob) => (blob ? resolve(blob) : reject(noCanvas(width, height))),
          'image/png',
        ),
      ),
  }
}

function noCanvas(width: number, height: number): Error {
  return new Error(`The browser could not make a ${width}×${height} image for the export.`)
}
