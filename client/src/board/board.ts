/**
 * The board model over a Y.Doc: committed shapes in the `shapes` map (one Y.Map per shape,
 * see shapes.ts), strokes being drawn in the `live` map as appended point chunks.
 * Every local transaction carries an origin: LOCAL edits are undoable (per person, never a
 * peer's), LIVE ones are not.
 */
import * as Y from 'yjs'
import { concatBytes, decodePoints, hasPressure, PointEncoder, type FlatPoints } from './points'
import {
  compareShapes,
  parseShape,
  parseStyle,
  type Geometry,
  type Shape,
  type ShapeStyle,
  type StoredFields,
} from './shapes'

export const LOCAL = { origin: 'local' } as const
export const LIVE = { origin: 'live' } as const

export type FreehandType = 'pen' | 'highlighter'

export interface LiveStrokeView extends ShapeStyle {
  id: string
  type: FreehandType
  pressure: boolean
  /** Doc client id of the author, so strokes of peers who left can be pruned. */
  client: number
  points: FlatPoints
}

export interface BoardChange {
  /** Ids of committed shapes added, changed or removed. */
  shapes: ReadonlySet<string>
  live: boolean
}

interface LiveMeta extends ShapeStyle {
  type: FreehandType
  client: number
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'

export function newShapeId(): string {
  let id = ''
  for (const byte of crypto.getRandomValues(new Uint8Array(10))) id += ID_ALPHABET[byte & 63]
  return id
}

export class Board {
  readonly doc: Y.Doc
  readonly shapes: Y.Map<unknown>
  readonly live: Y.Map<unknown>
  readonly undoManager: Y.UndoManager
  readonly #cache = new Map<string, Shape>()
  #sorted: Shape[] | null = null
  #maxZ = 0
  readonly #listeners = new Set<(change: BoardChange) => void>()

  constructor(doc: Y.Doc) {
    this.doc = doc
    this.shapes = doc.getMap('shapes')
    this.live = doc.getMap('live')
    // Steps are cut explicitly (stopCapturing) at each user action; a drag is one step.
    this.undoManager = new Y.UndoManager(this.shapes, {
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: Number.MAX_SAFE_INTEGER,
    })
    for (const id of this.shapes.keys()) this.#reparse(id)

    this.shapes.observeDeep((events) => {
      const changed = new Set<string>()
      for (const event of events) {
        if (event.target === this.shapes) {
          for (const id of (event as Y.YMapEvent<unknown>).keysChanged) changed.add(id)
        } else if (typeof event.path[0] === 'string') changed.add(event.path[0])
      }
      for (const id of changed) this.#reparse(id)
      this.#sorted = null
      this.#emit({ shapes: changed, live: false })
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

  /**
   * Runs `edit` as one local, undoable transaction. With `merge`, it joins the previous undo
   * step (the frames of one drag); otherwise it starts a new one.
   */
  transact(edit: () => void, merge = false): void {
    if (!merge) this.undoManager.stopCapturing()
    this.doc.transact(edit, LOCAL)
  }

  beginStroke(
    style: ShapeStyle,
    options: { pressure: boolean; precision?: number; type?: FreehandType },
  ): LiveStroke {
    return new LiveStroke(this, style, options)
  }

  /** Adds a shape; returns its id. */
  create(
    geometry: Geometry,
    style: ShapeStyle,
    at: { x: number; y: number },
    merge = false,
  ): string {
    const id = newShapeId()
    this.transact(() => this.shapes.set(id, shapeMap(geometry, style, at, this.nextZ())), merge)
    return id
  }

  setGeometry(id: string, geometry: Geometry, at?: { x: number; y: number }, merge = true): void {
    const map = this.#map(id)
    if (!map) return
    this.transact(() => {
      map.set('g', geometry)
      if (at) setPosition(map, at.x, at.y)
    }, merge)
  }

  move(ids: Iterable<string>, dx: number, dy: number, merge = false): void {
    this.transact(() => {
      for (const id of ids) {
        const shape = this.#cache.get(id)
        const map = this.#map(id)
        if (shape && map) setPosition(map, shape.x + dx, shape.y + dy)
      }
    }, merge)
  }

  setStyle(ids: Iterable<string>, patch: Partial<ShapeStyle>): void {
    this.transact(() => {
      for (const id of ids) {
        const shape = this.#cache.get(id)
        const map = this.#map(id)
        if (!shape || !map) continue
        const style = parseStyle({
          color: shape.color,
          size: shape.size,
          fill: shape.fill,
          ...patch,
        })
        if (style) map.set('s', style)
      }
    })
  }

  setText(id: string, text: string, merge = true): void {
    const map = this.#map(id)
    if (map && this.#cache.get(id)?.type === 'text') {
      this.transact(() => map.set('g', { type: 'text', text }), merge)
    }
  }

  deleteShapes(ids: Iterable<string>, merge = false): void {
    this.transact(() => {
      for (const id of ids) this.shapes.delete(id)
    }, merge)
  }

  /** Copies shapes, offset by (dx, dy), on top of everything; returns the new ids. */
  duplicate(ids: Iterable<string>, dx = 16, dy = 16): string[] {
    const sources = [...ids]
      .map((id) => this.#cache.get(id))
      .filter((shape): shape is Shape => shape !== undefined)
      .sort(compareShapes)
    const created: string[] = []
    this.transact(() => {
      let z = this.nextZ()
      for (const shape of sources) {
        const map = this.#map(shape.id)
        if (!map) continue
        const id = newShapeId()
        const copy = shapeMap(
          map.get('g') as Geometry,
          map.get('s') as ShapeStyle,
          { x: shape.x + dx, y: shape.y + dy },
          z++,
        )
        this.shapes.set(id, copy)
        created.push(id)
      }
    })
    return created
  }

  bringToFront(ids: Iterable<string>): void {
    this.#restack(ids, this.nextZ())
  }

  sendToBack(ids: Iterable<string>): void {
    const selected = [...ids].filter((id) => this.#cache.has(id))
    const bottom = this.allShapes()[0]?.z ?? 0
    this.#restack(selected, bottom - selected.length - 1)
  }

  /** The stored fields of a valid shape, as plain values (for board files and copies). */
  storedFields(id: string): StoredFields | null {
    const map = this.#map(id)
    if (!map || !this.#cache.has(id)) return null
    const fields: StoredFields = { g: map.get('g'), s: map.get('s'), z: map.get('z') }
    if (map.has('x')) fields.x = map.get('x')
    if (map.has('y')) fields.y = map.get('y')
    return fields
  }

  /**
   * Writes shapes by id (an import): each is validated first and invalid ones are skipped;
   * all of it is one undoable step. Returns how many were written.
   */
  putShapes(entries: Iterable<{ id: string; fields: StoredFields }>): number {
    const valid = [...entries].filter(({ id, fields }) => parseShape(id, fields) !== null)
    if (valid.length === 0) return 0
    this.transact(() => {
      for (const { id, fields } of valid) {
        const map = new Y.Map<unknown>()
        for (const [key, value] of Object.entries(fields))
          if (value !== undefined) map.set(key, value)
        this.shapes.set(id, map)
      }
    })
    return valid.length
  }

  /** Removes every shape, as one undoable step. */
  clear(): void {
    this.transact(() => {
      for (const id of [...this.shapes.keys()]) this.shapes.delete(id)
    })
  }

  /** Above every shape seen so far (a deleted top shape leaves a gap, which is harmless). */
  nextZ(): number {
    return Math.floor(this.#maxZ) + 1
  }

  /** Removes in-progress strokes whose authors are gone (they left mid-stroke). */
  pruneLive(activeClients: ReadonlySet<number>): void {
    const stale = [...this.live.keys()].filter((id) => {
      const view = readLive(id, this.live.get(id))
      return !view || !activeClients.has(view.client)
    })
    if (stale.length === 0) return
    this.doc.transact(() => stale.forEach((id) => this.live.delete(id)), LIVE)
  }

  undo(): void {
    this.undoManager.stopCapturing()
    this.undoManager.undo()
  }

  redo(): void {
    this.undoManager.redo()
  }

  #restack(ids: Iterable<string>, start: number): void {
    const shapes = [...ids]
      .map((id) => this.#cache.get(id))
      .filter((shape): shape is Shape => shape !== undefined)
      .sort(compareShapes)
    this.transact(() => shapes.forEach((shape, i) => this.#map(shape.id)?.set('z', start + i)))
  }

  #map(id: string): Y.Map<unknown> | null {
    const value = this.shapes.get(id)
    return value instanceof Y.Map ? value : null
  }

  #reparse(id: string): void {
    const map = this.#map(id)
    const shape = map
      ? parseShape(id, {
          g: map.get('g'),
          s: map.get('s'),
          z: map.get('z'),
          x: map.get('x'),
          y: map.get('y'),
        })
      : null
    if (shape) {
      this.#cache.set(id, shape)
      if (shape.z > this.#maxZ) this.#maxZ = shape.z
    } else {
      this.#cache.delete(id)
    }
  }

  #emit(change: BoardChange): void {
    for (const listener of this.#listeners) listener(change)
  }
}

function shapeMap(geometry: Geometry, style: ShapeStyle, at: { x: number; y: number }, z: number) {
  const map = new Y.Map<unknown>()
  map.set('g', geometry)
  map.set('s', { color: style.color, size: style.size, fill: style.fill })
  map.set('z', z)
  // Zero is the default and left out: it saves two fields on most strokes.
  if (at.x !== 0) map.set('x', at.x)
  if (at.y !== 0) map.set('y', at.y)
  return map
}

/** Keeps a default-zero field absent until the shape first moves. */
function setPosition(map: Y.Map<unknown>, x: number, y: number): void {
  if (x !== 0 || map.has('x')) map.set('x', x)
  if (y !== 0 || map.has('y')) map.set('y', y)
}

/**
 * A freehand stroke being drawn: points are appended to the shared live entry (so others see
 * it as it grows), and on commit the concatenated chunks become one compact shape.
 */
export class LiveStroke {
  readonly id = newShapeId()
  readonly #board: Board
  readonly #style: ShapeStyle
  readonly #type: FreehandType
  readonly #encoder: PointEncoder
  readonly #chunks: Uint8Array[] = []
  #array: Y.Array<unknown> | null = null
  #done = false

  constructor(
    board: Board,
    style: ShapeStyle,
    options: { pressure: boolean; precision?: number; type?: FreehandType },
  ) {
    const valid = parseStyle(style)
    if (!valid) throw new Error('invalid stroke style')
    this.#board = board
    this.#style = valid
    this.#type = options.type ?? 'pen'
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
        const meta: LiveMeta = { type: this.#type, ...this.#style, client: board.doc.clientID }
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
    const geometry: Geometry = { type: this.#type, points: concatBytes(this.#chunks) }
    board.transact(() => {
      if (this.#chunks.length > 0) {
        board.shapes.set(this.id, shapeMap(geometry, this.#style, { x: 0, y: 0 }, board.nextZ()))
      }
      if (board.live.has(this.id)) board.live.delete(this.id)
    })
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
  if (typeof meta !== 'object' || meta === null) return null
  if (meta.type !== 'pen' && meta.type !== 'highlighter') return null
  const style = parseStyle(meta)
  if (!style || typeof meta.client !== 'number') return null
  const chunks = items.slice(1)
  if (!chunks.every((chunk): chunk is Uint8Array => chunk instanceof Uint8Array)) return null
  try {
    const bytes = concatBytes(chunks)
    const points = decodePoints(bytes)
    return {
      id,
      type: meta.type,
      client: meta.client,
      points,
      pressure: hasPressure(bytes),
      ...style,
    }
  } catch {
    return null
  }
}
