/**
 * A uniform grid over board space for culling and hit-testing: a query touches only the cells
 * it overlaps, so a 10,000-shape board costs what is on screen, not what exists.
 */
import type { Bounds } from './geometry'

const CELL = 256
/** Shapes spanning more cells than this live in one list that every query returns. */
const MAX_CELLS = 64

export class SpatialIndex {
  readonly #cells = new Map<string, Set<string>>()
  readonly #large = new Set<string>()
  readonly #bounds = new Map<string, Bounds>()

  get size(): number {
    return this.#bounds.size
  }

  bounds(id: string): Bounds | undefined {
    return this.#bounds.get(id)
  }

  set(id: string, bounds: Bounds): void {
    this.delete(id)
    this.#bounds.set(id, bounds)
    const cells = cellRange(bounds)
    if (cells.count > MAX_CELLS) {
      this.#large.add(id)
      return
    }
    forEachCell(cells, (key) => {
      let cell = this.#cells.get(key)
      if (!cell) this.#cells.set(key, (cell = new Set()))
      cell.add(id)
    })
  }

  delete(id: string): void {
    const bounds = this.#bounds.get(id)
    if (!bounds) return
    this.#bounds.delete(id)
    if (this.#large.delete(id)) return
    forEachCell(cellRange(bounds), (key) => {
      const cell = this.#cells.get(key)
      cell?.delete(id)
      if (cell?.size === 0) this.#cells.delete(key)
    })
  }

  /** Ids whose bounds intersect `area`. */
  query(area: Bounds): Set<string> {
    const found = new Set<string>()
    const cells = cellRange(area)
    const visit = (id: string) => {
      if (!found.has(id) && intersects(this.#bounds.get(id)!, area)) found.add(id)
    }
    if (cells.count > this.#cells.size) {
      // Zoomed far out: walking the shapes is cheaper than walking empty cells.
      for (const id of this.#bounds.keys()) visit(id)
      return found
    }
    forEachCell(cells, (key) => this.#cells.get(key)?.forEach(visit))
    this.#large.forEach(visit)
    return found
  }

  clear(): void {
    this.#cells.clear()
    this.#large.clear()
    this.#bounds.clear()
  }
}

export function intersects(a: Bounds, b: Bounds): boolean {
  return a.minX <= b.maxX && a.maxX >= b.minX && a.minY <= b.maxY && a.maxY >= b.minY
}

interface CellRange {
  x0: number
  y0: number
  x1: number
  y1: number
  count: number
}

function cellRange(bounds: Bounds): CellRange {
  const x0 = Math.floor(bounds.minX / CELL)
  const y0 = Math.floor(bounds.minY / CELL)
  const x1 = Math.floor(bounds.maxX / CELL)
  const y1 = Math.floor(bounds.maxY / CELL)
  return { x0, y0, x1, y1, count: (x1 - x0 + 1) * (y1 - y0 + 1) }
}

function forEachCell(range: CellRange, visit: (key: string) => void): void {
  for (let x = range.x0; x <= range.x1; x++) {
    for (let y = range.y0; y <= range.y1; y++) visit(`${x},${y}`)
  }
}
