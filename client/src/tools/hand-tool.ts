/** The hand pans the view: the board follows the pointer. */
import type { Tool, ToolContext, ToolInput } from './tool'

export class HandTool implements Tool {
  readonly name = 'hand' as const
  readonly #context: ToolContext
  #last: ToolInput | null = null

  constructor(context: ToolContext) {
    this.#context = context
  }

  get panning(): boolean {
    return this.#last !== null
  }

  down(input: ToolInput): void {
    this.#last = input
  }

  move(inputs: readonly ToolInput[]): void {
    const input = inputs[inputs.length - 1]
    if (!this.#last || !input) return
    this.#context.viewport.panBy(
      input.screenX - this.#last.screenX,
      input.screenY - this.#last.screenY,
    )
    this.#last = input
  }

  up(): void {
    this.#last = null
  }

  cancel(): void {
    this.#last = null
  }
}
