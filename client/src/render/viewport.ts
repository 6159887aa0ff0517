/**
 * Maps board (world) coordinates to CSS pixels on screen: screen = (world − origin) · zoom.
 * The board is infinite; only the zoom is bounded.
 */
import type { Bounds } from './geometry'

export const MIN_ZOOM = 0.05
export const MAX_ZOOM = 16

export class Viewport {
  x = 0
  y = 0
  zoom = 1
  readonly #listeners = new Set<() => void>()

  toWorld(screenX: number, screenY: number): { x: number; y: number } {
    return { x: screenX / this.zoom + this.x, y: screenY / this.zoom + this.y }
  }

  toScreen(worldX: number, worldY: number): { x: number; y: number } {
    return { x: (worldX - this.x) * this.zoom, y: (worldY - this.y) * this.zoom }
  }

  /** The board area visible in a screen of this size. */
  visible(width: number, height: number): Bounds {
    return {
      minX: this.x,
      minY: this.y,
      maxX: this.x + width / this.zoom,
      maxY: this.y + height / this.zoom,
    }
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Moves the view by a distance in screen pixels (content follows the pointer). */
  panBy(dx: number, dy: number): void {
    this.x -= dx / this.zoom
    this.y -= dy / this.zoom
    this.#changed()
  }

  /** Zooms by `factor`, keeping the board point under (screenX, screenY) in place. */
  zoomAt(screenX: number, screenY: number, factor: number): void {
    const anchor = this.toWorld(screenX, screenY)
    this.zoom = clampZoom(this.zoom * factor)
    this.x = anchor.x - screenX / this.zoom
    this.y = anchor.y - screenY / this.zoom
    this.#changed()
  }

  /** Shows `bounds` whole, centred, with a margin in screen pixels; an empty board resets. */
  fit(bounds: Bounds | null, width: number, height: number, margin = 48): void {
    if (!bounds) return this.reset()
    const w = Math.max(1, bounds.maxX - bounds.minX)
    const h = Math.max(1, bounds.maxY - bounds.minY)
    this.zoom = clampZoom(Math.min((width - margin * 2) / w, (height - margin * 2) / h, 1))
    this.x = (bounds.minX + bounds.maxX) / 2 - width / 2 / this.zoom
    this.y = (bounds.minY + bounds.maxY) / 2 - height / 2 / this.zoom
    this.#changed()
  }

  reset(): void {
    this.x = 0
    this.y = 0
    this.zoom = 1
    this.#changed()
  }

  /** Sets a context so that drawing in world units lands in device pixels. */
  apply(context: CanvasRenderingContext2D, devicePixelRatio: number): void {
    const scale = this.zoom * devicePixelRatio
    context.setTransform(scale, 0, 0, scale, -this.x * scale, -this.y * scale)
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom))
}
