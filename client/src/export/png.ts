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
import { TimeSlicer } from './time-slicer'

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

export async function exportPng(board: Board, options: PngExportOptions = {}): Promise<Blob> {
  // Both read now, so the picture and the embedded board agree if someone draws meanwhile.
  const shapes = paintOrder(board.allShapes())
  const boardFile = encodeBoardFile(board)
  const slicer = new TimeSlicer()
  await slicer.next()

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
  context.setTransform(
    layout.scale,
    0,
    0,
    layout.scale,
    -layout.x * layout.scale,
    -layout.y * layout.scale,
  )

  for (const shape of shapes) {
    paintShape(context, shape, options.pathOf?.(shape))
    if (slicer.due) await slicer.next()
  }

  const image = new Uint8Array(await (await surface.toBlob()).arrayBuffer())
  const withBoard = writeTextChunk(image, PEERBOARD_KEYWORD, boardFile)
  return new Blob([withBoard.slice()], { type: 'image/png' })
}

interface Surface {
  context: CanvasRenderingContext2D
  toBlob(): Promise<Blob>
}

function createSurface(width: number, height: number): Surface {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height)
    const context = canvas.getContext('2d')
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
  const context = canvas.getContext('2d')
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
