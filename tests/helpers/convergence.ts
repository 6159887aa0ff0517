/**
 * Compares the board state (the model, not pixels) across pages: each page's Yjs state vector
 * and a canonical JSON of its resolved shapes. Pixels can differ for reasons that are not
 * divergence (a cursor, a viewport); the model cannot.
 */
import type { Page } from 'playwright-core'

export interface BoardState {
  /** Yjs state vector as `client:clock` pairs, sorted. */
  vector: string
  /** Shape id → canonical JSON of the resolved shape. */
  shapes: Record<string, string>
}

export async function boardState(page: Page): Promise<BoardState> {
  return page.evaluate(() => {
    type Shape = Record<string, unknown> & { id: string }
    const { doc, board } = (
      window as unknown as {
        peerboard: {
          doc: { store: { clients: Map<number, { length: number }[]> } }
          board: { allShapes(): readonly Shape[] }
        }
      }
    ).peerboard
    // The state vector, read from the store: each client's next clock.
    const vector: string[] = []
    for (const [client, structs] of doc.store.clients) {
      const last = structs[structs.length - 1] as unknown as {
        id: { clock: number }
        length: number
      }
      vector.push(`${client}:${last.id.clock + last.length}`)
    }
    const canonical = (value: unknown): unknown => {
      if (value instanceof Uint8Array) return `bytes:${Array.from(value).join(',')}`
      if (Array.isArray(value)) return value.map(canonical)
      if (value && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        )
        return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]))
      }
      return value
    }
    const shapes: Record<string, string> = {}
    for (const shape of board.allShapes()) shapes[shape.id] = JSON.stringify(canonical(shape))
    return { vector: vector.sort().join(' '), shapes }
  })
}

/** A readable account of how `states` differ; empty when they are all equal. */
export function describeDivergence(
  names: readonly string[],
  states: readonly BoardState[],
): string {
  const lines: string[] = []
  const ids = new Set(states.flatMap((state) => Object.keys(state.shapes)))
  for (const id of [...ids].sort()) {
    const versions = states.map((state) => state.shapes[id] ?? '(missing)')
    if (versions.every((version) => version === versions[0])) continue
    lines.push(
      `shape ${id}: ${names.map((name, i) => `${name}=${versions[i]!.slice(0, 80)}`).join(' | ')}`,
    )
    if (lines.length >= 20) {
      lines.push('…')
      break
    }
  }
  const vectors = states.map((state) => state.vector)
  if (!vectors.every((vector) => vector === vectors[0])) {
    lines.push(...names.map((name, i) => `vector ${name}: ${vectors[i]}`))
  }
  const counts = names.map((name, i) => `${name}: ${Object.keys(states[i]!.shapes).length} shapes`)
  return lines.length > 0 ? [counts.join(', '), ...lines].join('\n') : ''
}

/** Waits until every page holds the same board; throws with the differences otherwise. */
export async function waitForConvergence(
  pages: readonly Page[],
  options: { timeout?: number; names?: readonly string[] } = {},
): Promise<BoardState> {
  const names = options.names ?? pages.map((_, i) => `page${i}`)
  const deadline = Date.now() + (options.timeout ?? 30_000)
  for (;;) {
    const states = await Promise.all(pages.map(boardState))
    const diff = describeDivergence(names, states)
    if (!diff) return states[0]!
    if (Date.now() > deadline) throw new Error(`boards did not converge:\n${diff}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Ids of `expected` shapes that `state` lacks: the edits lost. */
export function missingShapes(state: BoardState, expected: Iterable<string>): string[] {
  return [...expected].filter((id) => !(id in state.shapes))
}
