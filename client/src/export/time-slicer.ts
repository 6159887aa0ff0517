/**
 * Long exports and imports run in slices of a few milliseconds with a task boundary between
 * them, so the page keeps drawing frames and answering input (and the peer connections keep
 * being served) while a 10,000-stroke board is processed.
 */
export const SLICE_MS = 8

export class TimeSlicer {
  readonly #budget: number
  #start = performance.now()

  constructor(budgetMs = SLICE_MS) {
    this.#budget = budgetMs
  }

  /** The current slice is used up: the caller should await next() before more work. */
  get due(): boolean {
    return performance.now() - this.#start > this.#budget
  }

  /** Ends the slice: lets the event loop run, then starts a new one. */
  async next(): Promise<void> {
    await nextTask()
    this.#start = performance.now()
  }
}

export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve))
}
