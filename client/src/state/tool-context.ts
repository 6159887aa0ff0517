/**
 * Builds the ToolContext the tools run against from the board, the renderer's spatial index
 * and the selection: the seam that keeps tools free of the UI.
 */
import type { Board } from '../board/board'
import { compareShapes, type Shape, type ShapeStyle } from '../board/shapes'
import { containsBounds, hitTest, shapeBounds, type Bounds, type Point } from '../render/geometry'
import type { SpatialIndex } from '../render/spatial-index'
import type { Viewport } from '../render/viewport'
import type { Selection } from '../tools/selection'
import type { ToolContext } from '../tools/tool'

export interface ToolContextDeps {
  board: Board
  viewport: Viewport
  selection: Selection
  index: () => SpatialIndex | null
  style: () => ShapeStyle
  editText: (id: string | null) => void
  invalidate: () => void
}

export function createToolContext(deps: ToolContextDeps): ToolContext {
  const { board } = deps
  const candidates = (area: Bounds): Shape[] => {
    const index = deps.index()
    const ids = index ? index.query(area) : board.allShapes().map((shape) => shape.id)
    const shapes: Shape[] = []
    for (const id of ids) {
      const shape = board.shape(id)
      if (shape) shapes.push(shape)
    }
    return shapes
  }
  return {
    board,
    viewport: deps.viewport,
    selection: deps.selection,
    style: deps.style,
    editText: deps.editText,
    invalidate: deps.invalidate,
    shapesAt(point: Point, radius: number) {
      const area = {
        minX: point.x - radius,
        minY: point.y - radius,
        maxX: point.x + radius,
        maxY: point.y + radius,
      }
      return candidates(area)
        .filter((shape) => hitTest(shape, point, radius))
        .sort((a, b) => compareShapes(b, a))
    },
    shapesIn(area: Bounds) {
      return candidates(area).filter((shape) => containsBounds(area, shapeBounds(shape)))
    },
  }
}
