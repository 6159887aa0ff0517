/**
 * Text: a click on empty board creates a text shape and opens the editor on it; a click on an
 * existing text edits that one. The editor itself is a DOM textarea owned by the UI.
 */
import { hitRadius, type Tool, type ToolContext, type ToolInput } from './tool'

export class TextTool implements Tool {
  readonly name = 'text' as const
  readonly #context: ToolContext

  constructor(context: ToolContext) {
    this.#context = context
  }

  down(input: ToolInput): void {
    const existing = this.#context
      .shapesAt(input, hitRadius(this.#context))
      .find((shape) => shape.type === 'text')
    if (existing) {
      this.#context.editText(existing.id)
      return
    }
    const style = this.#context.style()
    const id = this.#context.board.create(
      { type: 'text', text: '' },
      { ...style, fill: null },
      { x: input.x, y: input.y },
    )
    this.#context.editText(id)
  }

  move(): void {}

  up(): void {}

  cancel(): void {}
}
