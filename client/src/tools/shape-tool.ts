/**
 * Line, arrow, rectangle and ellipse: idle → dragging → idle. The shape exists in the board
 * from the first drag frame, so others watch it take form; the whole drag is one undo step.
 * Shift constrains: lines to 45° steps, boxes to squares and circles.
 */
import type { Geometry } from '../board/shapes'
import type { Tool, ToolContext, ToolInput } from './tool'

type ShapeToolName = 'line' | 'arrow' | 'rect' | 'ellipse'
type State = { kind: 'idle' } | { kind: 'dragging'; origin: ToolInput; id: string | null }

/** A click without a drag makes nothing (in screen pixels). */
const MIN_DRAG_PX = 3

export class ShapeTool implements Tool {
  readonly name: ShapeToolName
  readonly #context: ToolContext
  #state: State = { kind: 'idle' }

  constructor(context: ToolContext, name: ShapeToolName) {
    this.#context = context
    this.name = name
  }

  down(input: ToolInput): void {
    this.#state = { kind: 'dragging', origin: input, id: null }
  }

  move(inputs: readonly ToolInput[]): void {
    const state = this.#state
    const input = inputs[inputs.length - 1]
    if (state.kind !== 'dragging' || !input) return
    const { board } = this.#context
    const distance = Math.hypot(
      input.screenX - state.origin.screenX,
      input.screenY - state.origin.screenY,
    )
    if (state.id === null && distance < MIN_DRAG_PX) return
    const { geometry, at } = shapeFor(this.name, state.origin, input)
    if (state.id === null) {
      const style = this.#context.style()
      state.id = board.create(
        geometry,
        { ...style, fill: this.name === 'rect' || this.name === 'ellipse' ? style.fill : null },
        at,
      )
    } else {
      board.setGeometry(state.id, geometry, at)
    }
  }

  up(input: ToolInput): void {
    this.move([input])
    const state = this.#state
    this.#state = { kind: 'idle' }
    if (state.kind === 'dragging' && state.id) this.#context.selection.set([state.id])
  }

  cancel(): void {
    this.#state = { kind: 'idle' }
  }
}

export function shapeFor(
  name: ShapeToolName,
  from: { x: number; y: number },
  to: { x: number; y: number; shift: boolean },
): { geometry: Geometry; at: { x: number; y: number } } {
  let dx = to.x - from.x
  let dy = to.y - from.y
  if (name === 'line' || name === 'arrow') {
    if (to.shift) {
      const angle = Math.round(Math.atan2(dy, dx) / (Math.PI / 4)) * (Math.PI / 4)
      const length = Math.hypot(dx, dy)
      dx = Math.round(Math.cos(angle) * length * 100) / 100
      dy = Math.round(Math.sin(angle) * length * 100) / 100
    }
    return { geometry: { type: name, dx, dy }, at: { x: from.x, y: from.y } }
  }
  if (to.shift) {
    const side = Math.max(Math.abs(dx), Math.abs(dy))
    dx = Math.sign(dx || 1) * side
    dy = Math.sign(dy || 1) * side
  }
  return {
    geometry: { type: name, w: Math.abs(dx), h: Math.abs(dy) },
    at: { x: Math.min(from.x, from.x + dx), y: Math.min(from.y, from.y + dy) },
  }
}
