/**
 * What every tool sees: the board, the viewport, the current style, the shared selection and
 * hit-testing. Tools are small state machines fed with pointer input in board coordinates.
 */
import type { Board } from '../board/board'
import type { Shape, ShapeStyle } from '../board/shapes'
import type { Bounds, Point } from '../render/geometry'
import type { Viewport } from '../render/viewport'
import type { Selection } from './selection'

export type ToolName =
  | 'pen'
  | 'highlighter'
  | 'eraser'
  | 'line'
  | 'arrow'
  | 'rect'
  | 'ellipse'
  | 'text'
  | 'select'
  | 'hand'

export interface ToolInput extends Point {
  /** Screen position in CSS pixels relative to the board (for panning). */
  screenX: number
  screenY: number
  /** 0..1; meaningful only when `withPressure`. */
  pressure: number
  withPressure: boolean
  shift: boolean
}

export interface ToolContext {
  board: Board
  viewport: Viewport
  selection: Selection
  style(): ShapeStyle
  /** Shapes touching a circle around `point`, topmost first. */
  shapesAt(point: Point, radius: number): Shape[]
  /** Shapes whose bounds lie inside `area`. */
  shapesIn(area: Bounds): Shape[]
  /** Opens the text editor on a text shape (or closes it with null). */
  editText(id: string | null): void
  /** Asks for an overlay repaint (marquee, selection). */
  invalidate(): void
}

export interface Tool {
  readonly name: ToolName
  down(input: ToolInput): void
  /** `inputs` holds the samples since the last call (coalesced events), oldest first. */
  move(inputs: readonly ToolInput[]): void
  up(input: ToolInput): void
  cancel(): void
  doubleClick?(input: ToolInput): void
  /** Overlay drawing: a marquee, in board coordinates. */
  marquee?(): Bounds | null
}

/** Hit radius in board units for a pointer: a few screen pixels whatever the zoom. */
export function hitRadius(context: ToolContext, pixels = 6): number {
  return pixels / context.viewport.zoom
}
