/**
 * The pen: idle → drawing → idle. Points arrive in board coordinates; those of one input
 * event (with its coalesced samples) are sent as one live chunk, so a stroke grows on other
 * screens once per frame, since Chromium delivers pointermove once per frame.
 */
import type { Board, LiveStroke } from '../board/board'
import type { FlatPoints } from '../board/points'
import type { StrokeStyle } from '../board/shapes'

export interface ToolSample {
  x: number
  y: number
  /** 0..1; meaningful only when the device reports pressure. */
  pressure: number
}

export interface Tool {
  down(sample: ToolSample, withPressure: boolean): void
  move(samples: readonly ToolSample[]): void
  up(): void
  cancel(): void
}

type PenState = { kind: 'idle' } | { kind: 'drawing'; stroke: LiveStroke; last: ToolSample }

/** Samples closer than this (in board units) to the previous one add nothing visible. */
const MIN_DISTANCE = 0.75

export class PenTool implements Tool {
  readonly #board: Board
  readonly #style: () => StrokeStyle
  #state: PenState = { kind: 'idle' }

  constructor(board: Board, style: () => StrokeStyle) {
    this.#board = board
    this.#style = style
  }

  get drawing(): boolean {
    return this.#state.kind === 'drawing'
  }

  down(sample: ToolSample, withPressure: boolean): void {
    if (this.#state.kind === 'drawing') this.up()
    const stroke = this.#board.beginStroke(this.#style(), { pressure: withPressure })
    stroke.append([sample.x, sample.y, sample.pressure])
    this.#state = { kind: 'drawing', stroke, last: sample }
  }

  move(samples: readonly ToolSample[]): void {
    const state = this.#state
    if (state.kind !== 'drawing') return
    const points: FlatPoints = []
    for (const sample of samples) {
      if (Math.hypot(sample.x - state.last.x, sample.y - state.last.y) < MIN_DISTANCE) continue
      points.push(sample.x, sample.y, sample.pressure)
      state.last = sample
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
