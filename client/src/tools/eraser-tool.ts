/**
 * The eraser removes every whole shape its path touches; one drag is one undo step. Samples
 * between events are joined, so a fast swipe does not skip thin strokes.
 */
import { hitRadius, type Tool, type ToolContext, type ToolInput } from './tool'

export class EraserTool implements Tool {
  readonly name = 'eraser' as const
  readonly #context: ToolContext
  #last: ToolInput | null = null
  #erased = 0

  constructor(context: ToolContext) {
    this.#context = context
  }

  down(input: ToolInput): void {
    this.#last = input
    this.#erased = 0
    this.#eraseAt([input])
  }

  move(inputs: readonly ToolInput[]): void {
    if (!this.#last) return
    const samples: ToolInput[] = []
    const radius = hitRadius(this.#context, 8)
    for (const input of inputs) {
      const from = this.#last
      const steps = Math.ceil(Math.hypot(input.x - from.x, input.y - from.y) / radius)
      for (let i = 1; i <= steps; i++) {
        samples.push({
          ...input,
          x: from.x + ((input.x - from.x) * i) / steps,
          y: from.y + ((input.y - from.y) * i) / steps,
        })
      }
      this.#last = input
    }
    this.#eraseAt(samples)
  }

  up(): void {
    this.#last = null
  }

  cancel(): void {
    this.#last = null
  }

  #eraseAt(samples: readonly ToolInput[]): void {
    const radius = hitRadius(this.#context, 8)
    const ids = new Set<string>()
    for (const sample of samples)
      for (const shape of this.#context.shapesAt(sample, radius)) ids.add(shape.id)
    if (ids.size === 0) return
    this.#context.board.deleteShapes(ids, this.#erased > 0)
    this.#erased += ids.size
  }
}
