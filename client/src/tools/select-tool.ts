/**
 * Select: click (Shift adds or removes), box select on empty space, drag to move the
 * selection (one undo step per drag), double-click a text to edit it.
 *   idle → moving (pressed on a shape) | marquee (pressed on empty space) → idle
 */
import type { Bounds } from '../render/geometry'
import { hitRadius, type Tool, type ToolContext, type ToolInput } from './tool'

type State =
  | { kind: 'idle' }
  | { kind: 'moving'; last: ToolInput; moved: boolean; clicked: string; wasSelected: boolean }
  | { kind: 'marquee'; start: ToolInput; current: ToolInput; base: string[] }

export class SelectTool implements Tool {
  readonly name = 'select' as const
  readonly #context: ToolContext
  #state: State = { kind: 'idle' }

  constructor(context: ToolContext) {
    this.#context = context
  }

  down(input: ToolInput): void {
    const { selection } = this.#context
    const top = this.#context.shapesAt(input, hitRadius(this.#context))[0]
    if (top) {
      const wasSelected = selection.has(top.id)
      if (input.shift) selection.toggle(top.id)
      else if (!wasSelected) selection.set([top.id])
      this.#state = { kind: 'moving', last: input, moved: false, clicked: top.id, wasSelected }
      return
    }
    const base = input.shift ? [...selection.ids] : []
    if (!input.shift) selection.clear()
    this.#state = { kind: 'marquee', start: input, current: input, base }
  }

  move(inputs: readonly ToolInput[]): void {
    const input = inputs[inputs.length - 1]
    const state = this.#state
    if (!input) return
    if (state.kind === 'moving') {
      const { board, selection } = this.#context
      if (selection.size === 0) return
      board.move(selection.ids, input.x - state.last.x, input.y - state.last.y, state.moved)
      state.moved = true
      state.last = input
    } else if (state.kind === 'marquee') {
      state.current = input
      const inside = this.#context.shapesIn(this.marquee()!).map((shape) => shape.id)
      this.#context.selection.set([...state.base, ...inside])
      this.#context.invalidate()
    }
  }

  up(input: ToolInput): void {
    const state = this.#state
    // A plain click on a shape of a multiple selection narrows the selection to it.
    if (state.kind === 'moving' && !state.moved && !input.shift && state.wasSelected) {
      this.#context.selection.set([state.clicked])
    }
    this.#state = { kind: 'idle' }
    this.#context.invalidate()
  }

  cancel(): void {
    this.#state = { kind: 'idle' }
    this.#context.invalidate()
  }

  doubleClick(input: ToolInput): void {
    const top = this.#context.shapesAt(input, hitRadius(this.#context))[0]
    if (top?.type === 'text') this.#context.editText(top.id)
  }

  marquee(): Bounds | null {
    const state = this.#state
    if (state.kind !== 'marquee') return null
    return {
      minX: Math.min(state.start.x, state.current.x),
      minY: Math.min(state.start.y, state.current.y),
      maxX: Math.max(state.start.x, state.current.x),
      maxY: Math.max(state.start.y, state.current.y),
    }
  }
}
