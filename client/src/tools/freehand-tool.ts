/**
 * Pen and highlighter: idle → drawing → idle. The samples of one input event (with its
 * coalesced samples) are appended as one live chunk, so a stroke grows on other screens once
 * per frame (Chromium delivers pointermove once per frame).
 */
import type { FreehandType, LiveStroke } from '../board/board'
import type { FlatPoints } from '../board/points'
import type { Tool, ToolContext, ToolInput } from './tool'

type State = { kind: 'idle' } | { kind: 'drawing'; stroke: LiveStroke; last: ToolInput }

/** Samples closer than this many screen pixels to the previous one add nothing visible. */
const MIN_DISTANCE_PX = 0.75

export class FreehandTool implements Tool {
  readonly name: FreehandType
  readonly #context: ToolContext
  #state: State = { kind: 'idle' }

  constructor(context: ToolContext, type: FreehandType) {
    this.#context = context
    this.name = type
  }

  down(input: ToolInput): void {
    if (this.#state.kind === 'drawing') this.#state.stroke.commit()
    const { board, viewport } = this.#context
    const style = this.#context.style()
    const stroke = board.beginStroke(
      this.name === 'highlighter' ? { ...style, size: style.size * 4 } : style,
      {
        type: this.name,
        pressure: input.withPressure,
        // Finer coordinates when zoomed in, so strokes stay smooth at any zoom.
        precision: Math.max(1, Math.min(6, Math.ceil(Math.log2(viewport.zoom)) + 1)),
      },
    )
    stroke.append([input.x, input.y, input.pressure])
    this.#state = { kind: 'drawing', stroke, last: input }
  }

  move(inputs: readonly ToolInput[]): void {
    const state = this.#state
    if (state.kind !== 'drawing') return
    const min = MIN_DISTANCE_PX / this.#context.viewport.zoom
    const points: FlatPoints = []
    for (const input of inputs) {
      if (Math.hypot(input.x - state.last.x, input.y - state.last.y) < min) continue
      points.push(input.x, input.y, input.pressure)
      state.last = input
    }
    state.stroke.append(points)
  }

  up(): void {
    if (this.#state.kind === 'drawing') this.#state.stroke.commit()
    this.#state = { kind: 'idle' }
  }

  cancel(): void {
    // A cancelled pointer (palm rejection, system gesture) keeps what was drawn so far.
    this.up()
  }
}
