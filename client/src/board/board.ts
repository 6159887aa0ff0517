/**
 * The board model over a Y.Doc: committed shapes in the `shapes` map (one plain record per
 * shape, last writer wins), strokes being drawn in the `live` map as appended point chunks.
 * Every local transaction carries an origin: LOCAL edits are undoable, LIVE ones are not.
 */
import * as Y from 'yjs'
import { concatBytes, decodePoints, hasPressure, PointEncoder, type FlatPoints } from './points'
import {
  compareShapes,
  isValidStyle,
  parseShape,
  type Shape,
  type StrokeRecord,
  type StrokeStyle,
} from './shapes'

export const LOCAL = { origin: 'local' } as const
export const LIVE = { origin: 'live' } as const

export interface LiveStrokeView extends StrokeStyle {
  id: string
  pressure: boolean
  /** Awareness/doc client id of the author, so strokes of peers who left can be pruned. */
  client: number
  points: FlatPoints
}

export interface BoardChange {
  /** Ids of committed shapes added, changed or removed. */
  shapes: ReadonlySet<string>
  live: boolean
}

interface LiveMeta extends StrokeStyle {
  type: 'pen'
  client: number
}

export function newShapeId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  let id = ''
  for (const byte of bytes)
    id += 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'[byte & 63]
  return id
}

export class Board {
  readonly doc: Y.Doc
  readonly shapes: Y.Map<unknown>
  readonly live: Y.Map<Y.Array<unknown>>
  readonly undoManager: Y.UndoManager
  readonly #cache = new Map<string, Shape>()
  #sorted: Shape[] | null = null
  readonly #listeners = new Set<(change: BoardChange) => void>()

  constructor(doc: Y.Doc) {
    this.doc = doc
    this.shapes = doc.getMap('shapes')
    this.live = doc.getMap('live')
    this.undoManager = new Y.UndoManager(this.shapes, {
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: 0,
    })
    for (const [id, value] of this.shapes) this.#reparse(id, value)

    this.shapes.observe((event) => {
      for (const id of event.keysChanged) this.#reparse(id, this.shapes.get(id))
      this.#sorted = null
      this.#emit({ shapes: event.keysChanged, live: false })
    })
    this.live.observeDeep(() => this.#emit({ shapes: new Set(), live: true }))
  }

  /** Valid committed shapes in paint order. */
  allShapes(): readonly Shape[] {
    this.#sorted ??= [...this.#cache.values()].sort(compareShapes)
    return this.#sorted
  }

  shape(id: string): Shape | undefined {
    return this.#cache.get(id)
  }

  get size(): number {
    return this.#cache.size
  }

  liveStrokes(): LiveStrokeView[] {
    const views: LiveStrokeView[] = []
    for (const [id, array] of this.live) {
      const view = readLive(id, array)
      if (view) views.push(view)
    }
    return views
  }

  observe(listener: (change: BoardChange) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  beginStroke(style: StrokeStyle, options: { pressure: boolean; precision?: number }): LiveStroke {
    return new LiveStroke(this, style, options)
  }

  nextZ(): number {
    const shapes = this.allShapes()
    return (shapes[shapes.length - 1]?.z ?? 0) + 1
  }

  deleteShapes(ids: Iterable<string>): void {
    this.doc.transact(() => {
      for (const id of ids) this.shapes.delete(id)
    }, LOCAL)
  }

  /** Removes in-progress strokes whose authors are gone (they left mid-stroke). */
  pruneLive(activeClients: ReadonlySet<number>): void {
    const stale = this.liveStrokes().filter((stroke) => !activeClients.has(stroke.client))
    const broken = [...this.live.keys()].filter((id) => !readLive(id, this.live.get(id)))
    if (stale.length === 0 && broken.length === 0) return
    this.doc.transact(() => {
      for (const stroke of stale) this.live.delete(stroke.id)
      for (const id of broken) this.live.delete(id)
    }, LIVE)
  }

  undo(): void {
    this.undoManager.undo()
  }

  redo(): void {
    this.undoManager.redo()
  }

  #reparse(id: string, value: unknown): void {
    const shape = value === undefined ? null : parseShape(id, value)
    if (shape) this.#cache.set(id, shape)
    else this.#cache.delete(id)
  }

  #emit(change: BoardChange): void {
    for (const listener of this.#listeners) listener(change)
  }
}

/**
 * A stroke being drawn: points are appended to the shared live entry (so others see it as it
 * grows), and on commit the concatenated chunks become one compact shape record.
 */
export class LiveStroke {
  readonly id = newShapeId()
  readonly #board: Board
  readonly #style: StrokeStyle
  readonly #encoder: PointEncoder
  readonly #chunks: Uint8Array[] = []
  #array: Y.Array<unknown> | null = null
  #done = false

  constructor(
    board: Board,
    style: StrokeStyle,
    options: { pressure: boolean; precision?: number },
  ) {
    if (!isValidStyle({ ...style })) throw new Error('invalid stroke style')
    this.#board = board
    this.#style = style
    this.#encoder = new PointEncoder(options)
  }

  append(points: FlatPoints): void {
    if (this.#done || points.length < 3) return
    const chunk = this.#encoder.encode(points)
    this.#chunks.push(chunk)
    const board = this.#board
    board.doc.transact(() => {
      if (!this.#array) {
        this.#array = new Y.Array<unknown>()
        const meta: LiveMeta = { type: 'pen', ...this.#style, client: board.doc.clientID }
        this.#array.push([meta, chunk])
        board.live.set(this.id, this.#array)
      } else {
        this.#array.push([chunk])
      }
    }, LIVE)
  }

  commit(): void {
    if (this.#done) return
    this.#done = true
    const board = this.#board
    const record: StrokeRecord = {
      type: 'pen',
      points: concatBytes(this.#chunks),
      ...this.#style,
      z: board.nextZ(),
    }
    board.doc.transact(() => {
      if (this.#chunks.length > 0) board.shapes.set(this.id, record)
      if (board.live.has(this.id)) board.live.delete(this.id)
    }, LOCAL)
  }

  cancel(): void {
    if (this.#done) return
    this.#done = true
    if (this.#board.live.has(this.id)) {
      this.#board.doc.transact(() => this.#board.live.delete(this.id), LIVE)
    }
  }
}

function readLive(id: string, array: unknown): LiveStrokeView | null {
  if (!(array instanceof Y.Array) || array.length < 2) return null
  const items = array.toArray()
  const meta = items[0] as Partial<LiveMeta> | undefined
  if (typeof meta !== 'object' || meta === null || meta.type !== 'pen') return null
  if (!isValidStyle(meta as Record<string, unknown>) || typeof meta.client !== 'number') return null
  const chunks = items.slice(1)
  if (!chunks.every((chunk): chunk is Uint8Array => chunk instanceof Uint8Array)) return null
  try {
    const bytes = concatBytes(chunks)
    const points = decodePoints(bytes)
    const pressure = hasPressure(bytes)
    return { id, client: meta.client, color: meta.color!, size: meta.size!, points, pressure }
  } catch {
    return null
  }
}
