/**
 * Draws the board on two stacked canvases: the document layer repaints only when committed
 * shapes change (and only the new ones when shapes are added on top), the overlay repaints
 * in-progress strokes and cursors, so presence never costs a document redraw.
 */
import type { Board, BoardChange, LiveStrokeView } from '../board/board'
import { compareShapes, type Shape } from '../board/shapes'
import { strokeOutline, traceOutline, type StrokeGeometry } from './stroke-path'
import type { Viewport } from './viewport'

export interface RemoteCursor {
  x: number
  y: number
  name: string
  color: string
}

export interface RendererOptions {
  board: Board
  viewport: Viewport
  documentCanvas: HTMLCanvasElement
  overlayCanvas: HTMLCanvasElement
  cursors: () => readonly RemoteCursor[]
  requestFrame?: (callback: () => void) => number
  cancelFrame?: (handle: number) => void
}

interface CachedPath {
  shape: Shape
  path: Path2D
}

export class BoardRenderer {
  readonly #options: RendererOptions
  readonly #documentContext: CanvasRenderingContext2D
  readonly #overlayContext: CanvasRenderingContext2D
  readonly #paths = new Map<string, CachedPath>()
  readonly #unsubscribe: () => void
  #width = 0
  #height = 0
  #dpr = 1
  #frame: number | null = null
  #documentDirty: 'none' | 'append' | 'full' = 'full'
  #pendingAppends = new Set<string>()
  #overlayDirty = true
  /** The last shape painted on the document layer, to know whether new ones go on top. */
  #top: Shape | null = null

  constructor(options: RendererOptions) {
    this.#options = options
    this.#documentContext = context2d(options.documentCanvas)
    this.#overlayContext = context2d(options.overlayCanvas)
    this.#unsubscribe = options.board.observe((change) => this.#onBoardChange(change))
  }

  resize(width: number, height: number, devicePixelRatio: number): void {
    this.#width = width
    this.#height = height
    this.#dpr = devicePixelRatio
    for (const canvas of [this.#options.documentCanvas, this.#options.overlayCanvas]) {
      canvas.width = Math.max(1, Math.round(width * devicePixelRatio))
      canvas.height = Math.max(1, Math.round(height * devicePixelRatio))
    }
    this.invalidateDocument()
  }

  invalidateDocument(): void {
    this.#documentDirty = 'full'
    this.#overlayDirty = true
    this.#schedule()
  }

  invalidateOverlay(): void {
    this.#overlayDirty = true
    this.#schedule()
  }

  destroy(): void {
    this.#unsubscribe()
    if (this.#frame !== null) (this.#options.cancelFrame ?? cancelAnimationFrame)(this.#frame)
  }

  #onBoardChange(change: BoardChange): void {
    if (change.live) this.#overlayDirty = true
    if (change.shapes.size > 0 && this.#documentDirty !== 'full') {
      const board = this.#options.board
      for (const id of change.shapes) {
        const shape = board.shape(id)
        const onTop =
          shape && !this.#paths.has(id) && (!this.#top || compareShapes(this.#top, shape) < 0)
        if (!onTop) {
          this.#documentDirty = 'full'
          break
        }
        this.#pendingAppends.add(id)
        this.#documentDirty = 'append'
      }
    }
    this.#schedule()
  }

  #schedule(): void {
    if (this.#frame !== null) return
    const request = this.#options.requestFrame ?? requestAnimationFrame
    this.#frame = request(() => {
      this.#frame = null
      this.#draw()
    })
  }

  #draw(): void {
    if (this.#documentDirty === 'full') this.#drawDocument()
    else if (this.#documentDirty === 'append') this.#drawAppended()
    this.#documentDirty = 'none'
    this.#pendingAppends.clear()
    if (this.#overlayDirty) this.#drawOverlay()
    this.#overlayDirty = false
  }

  #drawDocument(): void {
    const context = this.#documentContext
    context.setTransform(1, 0, 0, 1, 0, 0)
    context.clearRect(0, 0, context.canvas.width, context.canvas.height)
    this.#options.viewport.apply(context, this.#dpr)
    const shapes = this.#options.board.allShapes()
    const seen = new Set<string>()
    for (const shape of shapes) {
      seen.add(shape.id)
      this.#paint(context, shape)
    }
    for (const id of this.#paths.keys()) if (!seen.has(id)) this.#paths.delete(id)
    this.#top = shapes[shapes.length - 1] ?? null
  }

  #drawAppended(): void {
    const board = this.#options.board
    const added = [...this.#pendingAppends]
      .map((id) => board.shape(id))
      .filter((shape): shape is Shape => shape !== undefined)
      .sort(compareShapes)
    const context = this.#documentContext
    this.#options.viewport.apply(context, this.#dpr)
    for (const shape of added) this.#paint(context, shape)
    this.#top = added[added.length - 1] ?? this.#top
  }

  #paint(context: CanvasRenderingContext2D, shape: Shape): void {
    let cached = this.#paths.get(shape.id)
    if (!cached || cached.shape !== shape) {
      cached = { shape, path: strokePath(shape, true) }
      this.#paths.set(shape.id, cached)
    }
    context.fillStyle = shape.color
    context.fill(cached.path)
  }

  #drawOverlay(): void {
    const context = this.#overlayContext
    context.setTransform(1, 0, 0, 1, 0, 0)
    context.clearRect(0, 0, context.canvas.width, context.canvas.height)
    this.#options.viewport.apply(context, this.#dpr)
    for (const stroke of this.#options.board.liveStrokes()) this.#paintLive(context, stroke)
    context.setTransform(this.#dpr, 0, 0, this.#dpr, 0, 0)
    for (const cursor of this.#options.cursors()) this.#paintCursor(context, cursor)
  }

  #paintLive(context: CanvasRenderingContext2D, stroke: LiveStrokeView): void {
    context.fillStyle = stroke.color
    context.fill(strokePath(stroke, false))
  }

  #paintCursor(context: CanvasRenderingContext2D, cursor: RemoteCursor): void {
    const { x, y } = this.#options.viewport.toScreen(cursor.x, cursor.y)
    if (x < -20 || y < -20 || x > this.#width + 20 || y > this.#height + 20) return
    context.fillStyle = cursor.color
    context.beginPath()
    context.moveTo(x, y)
    context.lineTo(x, y + 16)
    context.lineTo(x + 4.5, y + 12)
    context.lineTo(x + 11, y + 12)
    context.closePath()
    context.fill()
    context.font = '12px system-ui, sans-serif'
    const label = cursor.name
    const width = context.measureText(label).width + 10
    context.fillRect(x + 10, y + 16, width, 18)
    context.fillStyle = '#ffffff'
    context.fillText(label, x + 15, y + 29)
  }
}

function strokePath(stroke: StrokeGeometry, complete: boolean): Path2D {
  const path = new Path2D()
  traceOutline(path, strokeOutline(stroke, complete))
  return path
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const context = canvas.getContext('2d')
  if (!context) throw new Error('2D canvas is not available')
  return context
}
