/** Where an export sits on the board and how large its image is. */
import type { Bounds } from '../render/geometry'

export const DEFAULT_SCALE = 2
export const DEFAULT_PADDING = 16
/** Chromium's per-side limit; the area cap keeps memory near 256 MiB at worst. */
export const MAX_CANVAS_SIDE = 16384
export const MAX_CANVAS_AREA = 8192 * 8192

/** A rectangle in board coordinates. */
export interface Area {
  x: number
  y: number
  width: number
  height: number
}

export interface ImageLayout extends Area {
  /** Canvas pixels per board unit, after capping. */
  scale: number
  pixelWidth: number
  pixelHeight: number
}

/** The drawing's bounds plus `padding` on each side; an empty board gives a small square. */
export function paddedArea(bounds: Bounds | null, padding: number): Area {
  const content = bounds ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 }
  return {
    x: content.minX - padding,
    y: content.minY - padding,
    width: Math.max(1, content.maxX - content.minX + 2 * padding),
    height: Math.max(1, content.maxY - content.minY + 2 * padding),
  }
}

/** The pixel size at `scale`, scaled down as far as needed to fit the canvas caps. */
export function imageLayout(area: Area, scale: number): ImageLayout {
  const fitted = Math.min(
    scale,
    MAX_CANVAS_SIDE / area.width,
    MAX_CANVAS_SIDE / area.height,
    Math.sqrt(MAX_CANVAS_AREA / (area.width * area.height)),
  )
  let pixelWidth = Math.ceil(area.width * fitted)
  let pixelHeight = Math.ceil(area.height * fitted)
  if (
    pixelWidth > MAX_CANVAS_SIDE ||
    pixelHeight > MAX_CANVAS_SIDE ||
    pixelWidth * pixelHeight > MAX_CANVAS_AREA
  ) {
    // Rounding up overshot a cap; rounding down loses less than a pixel of the padding.
    pixelWidth = Math.floor(area.width * fitted)
    pixelHeight = Math.floor(area.height * fitted)
  }
  return {
    ...area,
    scale: fitted,
    pixelWidth: Math.max(1, pixelWidth),
    pixelHeight: Math.max(1, pixelHeight),
  }
}
