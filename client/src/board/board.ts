/**
 * The board model over a Y.Doc. A shape is a plain base record in `shapes` ({ g, s, z, x, y },
 * see shapes.ts) plus optional per-field overrides written when someone edits it: `style`,
 * `position` and `order`, each a map keyed by shape id. Most shapes are never edited and cost
 * one Yjs item (a nested Y.Map per shape made a late joiner's sync several times slower), and
 * edits of different fields by different people still merge, and undo field by field.
 * Strokes being drawn are not in the document at all: see live-strokes.ts.
 * Every local transaction carries an origin: LOCAL edits are undoable (per person, never a
 * peer's).
 */
import * as Y from 'yjs'
import { LiveStrokes, type FreehandType, type LiveStrokeView } from './live-strokes'
import { concatBytes, PointEncoder, type FlatPoints } from './points'
import { decodeRecord, encodeRecord } from './record'
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

export type { FreehandType, LiveStrokeView } from './live-strokes'

export interface BoardChange {
  /** Ids of committed shapes added, changed or removed. */
  shapes: ReadonlySet<string>
  live: boolean
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
  readonly styles: Y.Map<unknown>
  readonly positions: Y.Map<unknown>
  readonly orders: Y.Map<unknown>
  readonly live = new LiveStrokes()
  readonly undoManager: Y.UndoManager
  readonly #cache = new Map<string, Shape>()
  #sorted: Shape[] | null = null
  #maxZ = 0
  readonly #listeners = new Set<(change: BoardChange) => void>()

  constructor(doc: Y.Doc) {
    this.doc = doc
    this.shapes = doc.getMap('shapes')
    this.styles = doc.getMap('style')
    this.positions = doc.getMap('position')
    this.orders = doc.getMap('order')
    // Steps are cut explicitly (stopCapturing) at each user action; a drag is one step.
    this.undoManager = new Y.UndoManager([this.shapes, this.styles, this.positions, this.orders], {
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: Number.MAX_SAFE_INTEGER,
    })
    for (const id of this.shapes.keys()) this.#reparse(id)

    for (const map of [this.shapes, this.styles, this.positions, this.orders]) {
      map.observe((event) => {
        for (const id of event.keysChanged) {
          this.#reparse(id)
          // A committed stroke replaces its live version on every screen.
          if (map === this.shapes && this.#cache.has(id)) this.live.dropStroke(id)
        }
        this.#sorted = null
        this.#emit({ shapes: event.keysChanged, live: false })
      })
    }
    this.live.onChange(() => this.#emit({ shapes: new Set(), live: true }))
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
    return this.live.views()
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
    id = newShapeId(),
  ): string {
    this.transact(() => this.#store(id, baseRecord(geometry, style, at, this.nextZ())), merge)
    return id
  }

  /** Replaces a shape's geometry (drafting, text edits), optionally moving its origin. */
  setGeometry(id: string, geometry: Geometry, at?: { x: number; y: number }, merge = true): void {
    const base = this.#base(id)
    if (!base) return
    this.transact(() => {
      this.#store(id, { ...base, g: geometry })
      if (at) this.positions.set(id, { x: at.x, y: at.y })
    }, merge)
  }

  move(ids: Iterable<string>, dx: number, dy: number, merge = false): void {
    this.transact(() => {
      for (const id of ids) {
        const shape = this.#cache.get(id)
        if (shape) this.positions.set(id, { x: shape.x + dx, y: shape.y + dy })
      }
    }, merge)
  }

  setStyle(ids: Iterable<string>, patch: Partial<ShapeStyle>): void {
    this.transact(() => {
      for (const id of ids) {
        const shape = this.#cache.get(id)
        if (!shape) continue
        const style = parseStyle({
          color: shape.color,
          size: shape.size,
          fill: shape.fill,
          ...patch,
        })
        if (style) this.styles.set(id, style)
      }
    })
  }

  setText(id: string, text: string, merge = true): void {
    if (this.#cache.get(id)?.type === 'text')
      this.setGeometry(id, { type: 'text', text }, undefined, merge)
  }

  deleteShapes(ids: Iterable<string>, merge = false): void {
    this.transact(() => {
      for (const id of ids) this.#remove(id)
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
        const fields = this.storedFields(shape.id)
        if (!fields) continue
        const id = newShapeId()
        this.#store(id, { ...fields, x: shape.x + dx, y: shape.y + dy, z: z++ })
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

  /** The resolved fields of a valid shape (base and overrides), for board files and copies. */
  storedFields(id: string): StoredFields | null {
    const shape = this.#cache.get(id)
    const base = this.#base(id)
    if (!shape || !base) return null
    const style: ShapeStyle = { color: shape.color, size: shape.size, fill: shape.fill }
    const fields: StoredFields = { g: base.g, s: style, z: shape.z }
    if (shape.x !== 0) fields.x = shape.x
    if (shape.y !== 0) fields.y = shape.y
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
        this.#remove(id)
        this.#store(id, fields)
      }
    })
    return valid.length
  }

  /** Removes every shape, as one undoable step. */
  clear(): void {
    this.transact(() => {
      for (const id of [...this.shapes.keys()]) this.#remove(id)
    })
  }

  /** Above every shape seen so far (a deleted top shape leaves a gap, which is harmless). */
  nextZ(): number {
    return Math.floor(this.#maxZ) + 1
  }

  /**
   * Reverts exactly one of my steps. Yjs would skip a step that a peer's later edit has made
   * void and revert the next one as well (say, delete a shape whose move a peer overrode);
   * one key press must never take back two things.
   */
  undo(): void {
    this.undoManager.stopCapturing()
    popOne(this.undoManager, 'undoStack', () => this.undoManager.undo())
  }

  redo(): void {
    popOne(this.undoManager, 'redoStack', () => this.undoManager.redo())
  }

  #restack(ids: Iterable<string>, start: number): void {
    const shapes = [...ids]
      .map((id) => this.#cache.get(id))
      .filter((shape): shape is Shape => shape !== undefined)
      .sort(compareShapes)
    this.transact(() => shapes.forEach((shape, i) => this.orders.set(shape.id, start + i)))
  }

  #remove(id: string): void {
    for (const map of [this.shapes, this.styles, this.positions, this.orders]) {
      if (map.has(id)) map.delete(id)
    }
  }

  #base(id: string): StoredFields | null {
    return decodeRecord(this.shapes.get(id))
  }

  /** Writes a base record (record.ts's stored form). */
  #store(id: string, fields: StoredFields): void {
    const record = encodeRecord(fields)
    if (!record) throw new Error(`shape ${id} has no known type`)
    this.shapes.set(id, record)
  }

  /** The shape as everyone sees it: the base record under its overrides, validated. */
  #reparse(id: string): void {
    const shape = resolveShape(id, this.doc)
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

function popOne(manager: Y.UndoManager, stack: 'undoStack' | 'redoStack', pop: () => void): void {
  const items = manager[stack]
  const older = items.splice(0, items.length - 1)
  try {
    pop()
  } finally {
    manager[stack].unshift(...older)
  }
}

/** Reads one shape from a document (base record under overrides), validated; null if invalid. */
export function resolveShape(id: string, doc: Y.Doc): Shape | null {
  const base = decodeRecord(doc.getMap('shapes').get(id))
  if (!base) return null
  const position = doc.getMap('position').get(id) as { x?: unknown; y?: unknown } | undefined
  const moved = typeof position === 'object' && position !== null
  return parseShape(id, {
    g: base.g,
    s: doc.getMap('style').get(id) ?? base.s,
    z: doc.getMap('order').get(id) ?? base.z,
    x: moved ? position.x : base.x,
    y: moved ? position.y : base.y,
  })
}

/** Counts valid shapes without attaching a Board (observers, undo) to the document. */
export function countShapes(doc: Y.Doc): number {
  let count = 0
  for (const id of doc.getMap('shapes').keys()) if (resolveShape(id, doc)) count++
  return count
}

function baseRecord(
  geometry: Geometry,
  style: ShapeStyle,
  at: { x: number; y: number },
  z: number,
): StoredFields {
  const record: StoredFields = {
    g: geometry,
    s: { color: style.color, size: style.size, fill: style.fill },
    z,
  }
  // Zero is the default and left out: most strokes never move.
  if (at.x !== 0) record.x = at.x
  if (at.y !== 0) record.y = at.y
  return record
}

/**
 * A freehand stroke being drawn: its points go to peers as live messages while it grows, and
 * on commit the concatenated chunks become one compact shape in the document.
 */
export class LiveStroke {
  readonly id = newShapeId()
  readonly #board: Board
  readonly #style: ShapeStyle
  readonly #type: FreehandType
  readonly #encoder: PointEncoder
  readonly #chunks: Uint8Array[] = []
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
    if (this.#chunks.length === 1) this.#board.live.begin(this.id, this.#type, this.#style, chunk)
    else this.#board.live.append(this.id, chunk)
  }

  commit(): void {
    if (this.#done) return
    this.#done = true
    const board = this.#board
    if (this.#chunks.length === 0) return
    const geometry: Geometry = { type: this.#type, points: concatBytes(this.#chunks) }
    board.live.commit(this.id, () =>
      board.create(geometry, this.#style, { x: 0, y: 0 }, false, this.id),
    )
  }

  cancel(): void {
    if (this.#done) return
    this.#done = true
    this.#board.live.end(this.id)
  }
}
