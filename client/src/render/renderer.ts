/**
 * Draws the board on two stacked canvases. The document layer repaints only when committed
 * shapes or the viewport change, only what is visible (spatial index), and only the new shapes
 * when they land on top. The overlay repaints in-progress strokes, selection and cursors, so
 * presence never costs a document redraw.
 */
import type { Board, BoardChange, LiveStrokeView } from '../board/board'
import { compareShapes, type Shape } from '../board/shapes'
import { shapeBounds, type Bounds } from './geometry'
import { freehandPath, HIGHLIGHTER_ALPHA, paintOrder, paintShape } from './paint'
import { SpatialIndex } from './spatial-index'
import type { Viewport } from './viewport'

export interface RemoteCursor {
  x: number
  y: number
  name: string
  color: string
}

/** What the active tool wants drawn above the board (board coordinates). */
export interface Decorations {
  selection: readonly Bounds[]
  marquee: Bounds | null
  /** A shape being created by a tool, not yet committed. */
  draft: Shape | null
}

export interface RendererOptions {
  board: Board
  viewport: Viewport
  documentCanvas: HTMLCanvasElement
  overlayCanvas: HTMLCanvasElement
  cursors: () => readonly RemoteCursor[]
  decorations?: () => Decorations
  requestFrame?: (callback: () => void) => number
  cancelFrame?: (handle: number) => void
}

interface Cached {
  shape: Shape
  path: Path2D | null
}

export class BoardRenderer {
  readonly #options: RendererOptions
  readonly #documentContext: CanvasRenderingContext2D
  readonly #overlayContext: CanvasRenderingContext2D
  readonly #cache = new Map<string, Cached>()
  readonly index = new SpatialIndex()
  readonly #unsubscribe: (() => void)[] = []
  #width = 0
  #height = 0
  #dpr = 1
  #frame: number | null = null
  #documentDirty: 'none' | 'append' | 'full' = 'full'
  readonly #pendingAppends = new Set<string>()
  #overlayDirty = true
  /** The last shape painted on the document layer, to know whether new ones go on top. */
  #top: Shape | null = null
  /** Milliseconds spent in the last document repaint (for the benchmark). */
  lastDocumentPaintMs = 0

  constructor(options: RendererOptions) {
    this.#options = options
    this.#documentContext = context2d(options.documentCanvas)
    this.#overlayContext = context2d(options.overlayCanvas)
    for (const shape of options.board.allShapes()) this.#track(shape.id)
    this.#unsubscribe.push(
      options.board.observe((change) => this.#onBoardChange(change)),
      options.viewport.onChange(() => this.invalidateDocument()),
    )
  }

  get width(): number {
    return this.#width
  }

  get height(): number {
    return this.#height
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

  /** The bounds of every valid shape, for zoom-to-fit and export. */
  contentBounds(): Bounds | null {
    let result: Bounds | null = null
    for (const { shape } of this.#cache.values()) {
      const b = this.index.bounds(shape.id) ?? shapeBounds(shape)
      result = result
        ? {
            minX: Math.min(result.minX, b.minX),
            minY: Math.min(result.minY, b.minY),
            maxX: Math.max(result.maxX, b.maxX),
            maxY: Math.max(result.maxY, b.maxY),
          }
        : { ...b }
    }
    return result
  }

  /** The cached outline of a freehand shape (export reuses it). */
  pathOf(shape: Shape): Path2D | undefined {
    if (shape.type !== 'pen' && shape.type !== 'highlighter') return undefined
    const cached = this.#cache.get(shape.id)
    if (cached && cached.shape === shape) {
      cached.path ??= freehandPath(shape)
      return cached.path
    }
    return freehandPath(shape)
  }

  destroy(): void {
    this.#unsubscribe.forEach((undo) => undo())
    if (this.#frame !== null) (this.#options.cancelFrame ?? cancelAnimationFrame)(this.#frame)
  }

  /** Keeps the cache and the spatial index in step with the model; returns the shape. */
  #track(id: string): Shape | undefined {
    const shape = this.#options.board.shape(id)
    if (!shape) {
      this.#cache.delete(id)
      this.index.delete(id)
      return undefined
    }
    const cached = this.#cache.get(id)
    if (!cached || cached.shape !== shape) {
      this.#cache.set(id, { shape, path: null })
      this.index.set(id, shapeBounds(shape))
    }
    return shape
  }

  #onBoardChange(change: BoardChange): void {
    if (change.live) this.#overlayDirty = true
    for (const id of change.shapes) {
      const known = this.#cache.has(id)
      const shape = this.#track(id)
      if (this.#documentDirty === 'full') continue
      const onTop =
        shape &&
        !known &&
        shape.type !== 'highlighter' &&
        (!this.#top || compareShapes(this.#top, shape) < 0)
      if (onTop) {
        this.#pendingAppends.add(id)
        this.#documentDirty = 'append'
      } else {
        this.#documentDirty = 'full'
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
    const started = performance.now()
    if (this.#documentDirty === 'full') this.#drawDocument()
    else if (this.#documentDirty === 'append') this.#drawAppended()
    if (this.#documentDirty !== 'none') this.lastDocumentPaintMs = performance.now() - started
    this.#documentDirty = 'none'
    this.#pendingAppends.clear()
    if (this.#overlayDirty) this.#drawOverlay()
    this.#overlayDirty = false
  }

  #visibleArea(): Bounds {
    return this.#options.viewport.visible(this.#width, this.#height)
  }

  #drawDocument(): void {
    const context = this.#documentContext
    context.setTransform(1, 0, 0, 1, 0, 0)
    context.clearRect(0, 0, context.canvas.width, context.canvas.height)
    this.#options.viewport.apply(context, this.#dpr)
    const visible: Shape[] = []
    for (const id of this.index.query(this.#visibleArea())) {
      const cached = this.#cache.get(id)
      if (cached) visible.push(cached.shape)
    }
    visible.sort(compareShapes)
    for (const shape of paintOrder(visible)) this.#paint(context, shape)
    const all = this.#options.board.allShapes()
    this.#top = all[all.length - 1] ?? null
  }

  #drawAppended(): void {
    const added = [...this.#pendingAppends]
      .map((id) => this.#cache.get(id)?.shape)
      .filter((shape): shape is Shape => shape !== undefined)
      .sort(compareShapes)
    const context = this.#documentContext
    this.#options.viewport.apply(context, this.#dpr)
    for (const shape of added) this.#paint(context, shape)
    this.#top = added[added.length - 1] ?? this.#top
  }

  #paint(context: CanvasRenderingContext2D, shape: Shape): void {
    paintShape(context, shape, this.pathOf(shape))
  }

  #drawOverlay(): void {
    const context = this.#overlayContext
    context.setTransform(1, 0, 0, 1, 0, 0)
    context.clearRect(0, 0, context.canvas.width, context.canvas.height)
    const viewport = this.#options.viewport
    viewport.apply(context, this.#dpr)
    for (const stroke of this.#options.board.liveStrokes()) this.#paintLive(context, stroke)
    const decorations = this.#options.decorations?.()
    if (decorations?.draft) paintShape(context, decorations.draft)
    context.setTransform(this.#dpr, 0, 0, this.#dpr, 0, 0)
    if (decorations) this.#paintDecorations(context, decorations)
    for (const cursor of this.#options.cursors()) this.#paintCursor(context, cursor)
  }

  #paintLive(context: CanvasRenderingContext2D, stroke: LiveStrokeView): void {
    const path = freehandPath({ ...stroke, x: 0, y: 0, z: 0, fill: null }, false)
    context.globalAlpha = stroke.type === 'highlighter' ? HIGHLIGHTER_ALPHA : 1
    context.fillStyle = stroke.color
    context.fill(path)
    context.globalAlpha = 1
  }

  #paintDecorations(context: CanvasRenderingContext2D, decorations: Decorations): void {
    const viewport = this.#options.viewport
    context.lineWidth = 1
    context.strokeStyle = '#1971c2'
    context.setLineDash([])
    for (const b of decorations.selection) {
      const a = viewport.toScreen(b.minX, b.minY)
      const c = viewport.toScreen(b.maxX, b.maxY)
      context.strokeRect(a.x - 4, a.y - 4, c.x - a.x + 8, c.y - a.y + 8)
    }
    if (decorations.marquee) {
      const a = viewport.toScreen(decorations.marquee.minX, decorations.marquee.minY)
      const c = viewport.toScreen(decorations.marquee.maxX, decorations.marquee.maxY)
      context.fillStyle = 'rgba(25, 113, 194, 0.08)'
      context.fillRect(a.x, a.y, c.x - a.x, c.y - a.y)
      context.setLineDash([4, 3])
      context.strokeRect(a.x, a.y, c.x - a.x, c.y - a.y)
      context.setLineDash([])
    }
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
    context.textBaseline = 'alphabetic'
    const width = context.measureText(cursor.name).width + 10
    context.fillRect(x + 10, y + 16, width, 18)
    context.fillStyle = '#ffffff'
    context.fillText(cursor.name, x + 15, y + 29)
  }
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const context = canvas.getContext('2d')
  if (!context) throw new Error('2D canvas is not available')
  return context
}
