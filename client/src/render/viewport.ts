/** Maps board (world) coordinates to CSS pixels on screen: screen = (world − origin) · zoom. */
export class Viewport {
  x = 0
  y = 0
  zoom = 1

  toWorld(screenX: number, screenY: number): { x: number; y: number } {
    return { x: screenX / this.zoom + this.x, y: screenY / this.zoom + this.y }
  }

  toScreen(worldX: number, worldY: number): { x: number; y: number } {
    return { x: (worldX - this.x) * this.zoom, y: (worldY - this.y) * this.zoom }
  }

  /** Sets a context so that drawing in world units lands in device pixels. */
  apply(context: CanvasRenderingContext2D, devicePixelRatio: number): void {
    const scale = this.zoom * devicePixelRatio
    context.setTransform(scale, 0, 0, scale, -this.x * scale, -this.y * scale)
  }
}
