/**
 * Draws the board on two stacked canvases. The document layer repaints only when committed
 * shapes or the viewport change, only what is visible (spatial index), and only the new shapes
 * when they land on top. The overlay repaints in-progress strokes, selection and cursors, so
 * presence never costs a document redraw.
 */
import type { Board, BoardChange, LiveStrokeView } from '../board/board'
import { compareShapes, type Shape } from '../board/shapes'
import { shapeBounds, unionBounds, type Bounds } from './geometry'
import { freehandPath, HIGHLIGHTER_ALPHA, paintOrder, paintShape } from './paint'
import { intersects, SpatialIndex } from './spatial-index'
import type { Viewport } from './viewport'

export interface RemoteCursor {
  x: number
  y: number
  name: string
  color: string
  /** In voice and speaking now: the cursor gets a ring. */
  speaking?: boolean
}

/** What the active tool wants drawn above the board (board coordinates). */
export interface Decorations {
  selection: readonly Bounds[]
  marquee: Bounds | null
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

/** Share of the screen's size painted beyond each edge, ready for panning. */
const MARGIN = 0.25
/** Painting appended shapes yields to the next frame after this long. */
const APPEND_BUDGET_MS = 8
/**
 * The same for a first paint: nobody is drawing yet, so it may take more of each frame and
 * finish sooner, still well under a long task (50 ms).
 */
const FILL_BUDGET_MS = 24
/** Repaint delays after the view stops moving: soon when blurred or cut off, later when exact. */
const SETTLE_OUTSIDE_MS = 90
const SETTLE_INSIDE_MS = 400

interface Cached {
  shape: Shape
  path: Path2D | null
}

export class BoardRenderer {
  readonly #options: RendererOptions
  /** Created on first use, like the pixels (see #blank): an empty board needs neither. */
  readonly #contexts = new Map<HTMLCanvasElement, CanvasRenderingContext2D>()
  readonly #cache = new Map<string, Cached>()
  readonly #livePaths = new WeakMap<LiveStrokeView, Path2D>()
  readonly index = new SpatialIndex()
  readonly #unsubscribe: (() => void)[] = []
  #width = 0
  #height = 0
  #dpr = 1
  #frame: number | null = null
  #documentDirty: 'none' | 'append' | 'view' | 'full' = 'full'
  /**
   * The document is painted into a buffer larger than the screen (MARGIN of the screen on each
   * side) at a known viewport. Panning and zooming only redraw the buffer, moved and scaled,
   * which costs the same for 10 shapes or 10,000; the buffer is repainted once the view
   * settles or leaves it.
   */
  readonly #buffer: HTMLCanvasElement
  #bufferView = { x: 0, y: 0, zoom: 1 }
  #settleTimer: ReturnType<typeof setTimeout> | null = null
  readonly #pendingAppends = new Set<string>()
  /** #pendingAppends in paint order, sorted again only when shapes were added to it. */
  #appendQueue: Shape[] | null = null
  /** A first paint is being filled in (see #fillProgressively). */
  #filling = false
  #overlayDirty = true
  /**
   * Which canvases hold nothing. A canvas's pixels are allocated on its first drawing call,
   * which costs 30-200 ms for a screen-sized canvas in software-rendered Chromium; an empty
   * board (every new room) then never pays it, nor blocks the main thread while peers connect.
   */
  readonly #blank = { buffer: true, screen: true, overlay: true }
  /** The last shape painted on the document layer, to know whether new ones go on top. */
  #top: Shape | null = null
  /** Milliseconds spent in the last document repaint (for the benchmark). */
  lastDocumentPaintMs = 0
  /** When an array, every frame's drawing time in ms is appended (the benchmark sets it). */
  frameTimes: number[] | null = null
  /** When the document layer first showed something (performance.now(); for the benchmark). */
  firstInkAt: number | null = null

  /** Whether document painting is still owed, e.g. the rest of a first paint. */
  get painting(): boolean {
    return this.#documentDirty !== 'none'
  }

  constructor(options: RendererOptions) {
    this.#options = options
    this.#buffer = document.createElement('canvas')
    for (const shape of options.board.allShapes()) this.#track(shape.id)
    this.#unsubscribe.push(
      options.board.observe((change) => this.#onBoardChange(change)),
      options.viewport.onChange(() => this.#onViewChange()),
    )
  }

  get width(): number {
    return this.#width
  }

  get height(): number {
    return this.#height
  }

  resize(width: number, height: number, devicePixelRatio: number): void {
    // Setting a canvas's size clears it, even to the same size: skip what changes nothing.
    if (width === this.#width && height === this.#height && devicePixelRatio === this.#dpr) return
    const first = this.#width === 0
    this.#width = width
    this.#height = height
    this.#dpr = devicePixelRatio
    for (const canvas of [this.#options.documentCanvas, this.#options.overlayCanvas]) {
      canvas.width = Math.max(1, Math.round(width * devicePixelRatio))
      canvas.height = Math.max(1, Math.round(height * devicePixelRatio))
    }
    this.#buffer.width = Math.max(1, Math.round(width * (1 + 2 * MARGIN) * devicePixelRatio))
    this.#buffer.height = Math.max(1, Math.round(height * (1 + 2 * MARGIN) * devicePixelRatio))
    Object.assign(this.#blank, { buffer: true, screen: true, overlay: true })
    if (first) this.#fillProgressively()
    else this.#documentDirty = 'full'
    this.#overlayDirty = true
    // Now, not at the next frame: a resize arrives between layout and paint (ResizeObserver),
    // and waiting would show one blank frame, a flash on every layout shift.
    this.#cancelFrame()
    this.#draw()
  }

  /**
   * The first paint of a board that is already full (a late joiner, a reload) goes through the
   * append path: bottom to top, a frame budget at a time. Its shapes appear over a few frames
   * and the page stays responsive; one synchronous paint froze it for half a second and more
   * on a 10,000-stroke board.
   */
  #fillProgressively(): void {
    this.#centerBuffer()
    this.#top = null
    for (const id of this.index.query(this.#bufferArea())) this.#pendingAppends.add(id)
    this.#appendQueue = null
    this.#filling = this.#pendingAppends.size > 0
    this.#documentDirty = this.#filling ? 'append' : 'none'
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
    return unionBounds(
      [...this.#cache.values()].map(
        ({ shape }) => this.index.bounds(shape.id) ?? shapeBounds(shape),
      ),
    )
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
    if (this.#settleTimer !== null) clearTimeout(this.#settleTimer)
    this.#cancelFrame()
  }

  #cancelFrame(): void {
    if (this.#frame !== null) (this.#options.cancelFrame ?? cancelAnimationFrame)(this.#frame)
    this.#frame = null
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
      if (onTop && this.#documentDirty !== 'view') {
        this.#pendingAppends.add(id)
        this.#appendQueue = null
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

  #onViewChange(): void {
    this.#overlayDirty = true
    if (this.#documentDirty === 'none') this.#documentDirty = 'view'
    else if (this.#documentDirty === 'append') this.#documentDirty = 'full'
    this.#schedule()
  }

  #draw(): void {
    const started = performance.now()
    const dirty = this.#documentDirty
    let done = true
    if (dirty === 'full') this.#drawDocument()
    else if (dirty === 'append') done = this.#drawAppended(started)
    else if (dirty === 'view') this.#drawView()
    if (dirty !== 'none') this.lastDocumentPaintMs = performance.now() - started
    if (done) {
      this.#documentDirty = 'none'
      this.#pendingAppends.clear()
      this.#appendQueue = null
      this.#filling = false
    } else {
      this.#schedule()
    }
    if (this.#overlayDirty) this.#drawOverlay()
    this.#overlayDirty = false
    this.frameTimes?.push(performance.now() - started)
  }

  /** Repaints the buffer around the current view, then shows it. */
  #drawDocument(): void {
    if (this.#settleTimer !== null) clearTimeout(this.#settleTimer)
    this.#settleTimer = null
    this.#centerBuffer()
    const area = this.#bufferArea()
    const visible: Shape[] = []
    for (const id of this.index.query(area)) {
      const cached = this.#cache.get(id)
      if (cached) visible.push(cached.shape)
    }
    visible.sort(compareShapes)
    if (visible.length > 0 || !this.#blank.buffer) {
      const context = this.#context(this.#buffer)
      context.setTransform(1, 0, 0, 1, 0, 0)
      context.clearRect(0, 0, this.#buffer.width, this.#buffer.height)
      this.#applyBufferTransform()
      for (const shape of paintOrder(visible)) this.#paint(context, shape)
      this.#blank.buffer = visible.length === 0
    }
    this.#top = null
    for (const { shape } of this.#cache.values()) {
      if (!this.#top || compareShapes(this.#top, shape) < 0) this.#top = shape
    }
    this.#present()
  }

  /**
   * Paints new top shapes over the buffer, those inside it only, for at most APPEND_BUDGET_MS
   * per frame: a late joiner's thousands of strokes appear over a few frames instead of
   * freezing the page. Returns false when some are left for the next frame.
   */
  #drawAppended(started: number): boolean {
    if (!this.#appendQueue) {
      const sorted = [...this.#pendingAppends]
        .map((id) => this.#cache.get(id)?.shape)
        .filter((shape): shape is Shape => shape !== undefined)
        .sort(compareShapes)
      this.#top = sorted[sorted.length - 1] ?? this.#top
      // Highlighters only come through here on a first paint (#fillProgressively).
      this.#appendQueue = paintOrder(sorted)
    }
    const queue = this.#appendQueue
    const area = this.#bufferArea()
    const context = this.#context(this.#buffer)
    this.#applyBufferTransform()
    const budget = this.#filling ? FILL_BUDGET_MS : APPEND_BUDGET_MS
    let painted = 0
    let next = 0
    for (; next < queue.length; next++) {
      if (painted > 0 && performance.now() - started > budget) break
      const shape = queue[next] as Shape
      this.#pendingAppends.delete(shape.id)
      const bounds = this.index.bounds(shape.id)
      if (bounds && !intersects(bounds, area)) continue
      this.#paint(context, shape)
      this.#blank.buffer = false
      painted++
    }
    queue.splice(0, next)
    this.#present()
    return this.#pendingAppends.size === 0
  }

  /** Places the buffer around the current view (MARGIN of the screen beyond each edge). */
  #centerBuffer(): void {
    const viewport = this.#options.viewport
    this.#bufferView = {
      x: viewport.x - (this.#width * MARGIN) / viewport.zoom,
      y: viewport.y - (this.#height * MARGIN) / viewport.zoom,
      zoom: viewport.zoom,
    }
  }

  /** The board area the buffer covers. */
  #bufferArea(): Bounds {
    const view = this.#bufferView
    return {
      minX: view.x,
      minY: view.y,
      maxX: view.x + (this.#width * (1 + 2 * MARGIN)) / view.zoom,
      maxY: view.y + (this.#height * (1 + 2 * MARGIN)) / view.zoom,
    }
  }

  /** The view moved: show the buffer moved and scaled; repaint it when the view settles. */
  #drawView(): void {
    this.#present()
    const viewport = this.#options.viewport
    const view = this.#bufferView
    const inside =
      viewport.zoom === view.zoom &&
      viewport.x >= view.x &&
      viewport.y >= view.y &&
      viewport.x + this.#width / viewport.zoom <=
        view.x + (this.#width * (1 + 2 * MARGIN)) / view.zoom &&
      viewport.y + this.#height / viewport.zoom <=
        view.y + (this.#height * (1 + 2 * MARGIN)) / view.zoom
    if (this.#settleTimer !== null) clearTimeout(this.#settleTimer)
    this.#settleTimer = setTimeout(
      () => {
        this.#settleTimer = null
        this.invalidateDocument()
      },
      inside ? SETTLE_INSIDE_MS : SETTLE_OUTSIDE_MS,
    )
  }

  #applyBufferTransform(): void {
    const { x, y, zoom } = this.#bufferView
    const scale = zoom * this.#dpr
    this.#context(this.#buffer).setTransform(scale, 0, 0, scale, -x * scale, -y * scale)
  }

  /** Copies the buffer onto the screen, mapped from the buffer's view to the current one. */
  #present(): void {
    const context = this.#context(this.#options.documentCanvas)
    const viewport = this.#options.viewport
    const view = this.#bufferView
    const scale = viewport.zoom / view.zoom
    if (this.#blank.buffer && this.#blank.screen) return
    context.setTransform(1, 0, 0, 1, 0, 0)
    context.clearRect(0, 0, context.canvas.width, context.canvas.height)
    this.#blank.screen = this.#blank.buffer
    if (this.#blank.buffer) return
    this.firstInkAt ??= performance.now()
    context.imageSmoothingEnabled = scale !== 1
    context.drawImage(
      this.#buffer,
      (view.x - viewport.x) * viewport.zoom * this.#dpr,
      (view.y - viewport.y) * viewport.zoom * this.#dpr,
      this.#buffer.width * scale,
      this.#buffer.height * scale,
    )
  }

  #context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
    let context = this.#contexts.get(canvas)
    if (!context) {
      context = context2d(canvas)
      this.#contexts.set(canvas, context)
    }
    return context
  }

  #paint(context: CanvasRenderingContext2D, shape: Shape): void {
    paintShape(context, shape, this.pathOf(shape))
  }

  #drawOverlay(): void {
    const live = this.#options.board.liveStrokes()
    const decorations = this.#options.decorations?.()
    const cursors = this.#options.cursors()
    const empty =
      live.length === 0 &&
      cursors.length === 0 &&
      (!decorations || (decorations.selection.length === 0 && !decorations.marquee))
    if (empty && this.#blank.overlay) return
    const context = this.#context(this.#options.overlayCanvas)
    context.setTransform(1, 0, 0, 1, 0, 0)
    context.clearRect(0, 0, context.canvas.width, context.canvas.height)
    this.#blank.overlay = empty
    if (empty) return
    const viewport = this.#options.viewport
    viewport.apply(context, this.#dpr)
    for (const stroke of live) this.#paintLive(context, stroke)
    context.setTransform(this.#dpr, 0, 0, this.#dpr, 0, 0)
    if (decorations) this.#paintDecorations(context, decorations)
    for (const cursor of cursors) this.#paintCursor(context, cursor)
  }

  #paintLive(context: CanvasRenderingContext2D, stroke: LiveStrokeView): void {
    // A view object lives until its stroke grows, so its outline is traced once per growth,
    // not on every overlay repaint (remote cursors repaint the overlay constantly).
    let path = this.#livePaths.get(stroke)
    if (!path) {
      path = freehandPath({ ...stroke, x: 0, y: 0, z: 0, fill: null }, false)
      this.#livePaths.set(stroke, path)
    }
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
    if (cursor.speaking) {
      context.strokeStyle = cursor.color
      context.lineWidth = 2
      context.beginPath()
      context.arc(x + 4, y + 8, 13, 0, Math.PI * 2)
      context.stroke()
      context.strokeRect(x + 7, y + 13, width + 6, 24)
    }
  }
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const context = canvas.getContext('2d')
  if (!context) throw new Error('2D canvas is not available')
  return context
}
