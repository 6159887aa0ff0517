/**
 * Edits made through the page's board (the same model calls the tools make), tracked by id so
 * a test can count, at the end, every edit that any page made and that any page lacks.
 */
import type { Page } from 'playwright-core'
import { boardState, type BoardState } from './convergence'

/** Adds `count` small rectangles on `page`; returns their shape ids. */
export async function addShapes(page: Page, count: number, row = 0): Promise<string[]> {
  return page.evaluate(
    ({ count, row }) => {
      type Created = { create(g: object, s: object, at: object): string }
      const { board } = (window as unknown as { peerboard: { board: Created } }).peerboard
      const ids: string[] = []
      for (let i = 0; i < count; i++) {
        ids.push(
          board.create(
            { type: 'rect', w: 8, h: 8 },
            { color: '#1e1e1e', size: 2, fill: null },
            { x: 20 + (i % 60) * 12, y: 20 + row * 12 + Math.floor(i / 60) * 12 },
          ),
        )
      }
      return ids
    },
    { count, row },
  )
}

/** Adds `count` pen strokes of 50 points each in one go (a big board); returns nothing. */
export async function addStrokes(page: Page, count: number): Promise<void> {
  await page.evaluate((count) => {
    type Stroke = { append(points: number[]): void; commit(): void }
    const { board } = (
      window as unknown as {
        peerboard: { board: { beginStroke(style: object, options: object): Stroke } }
      }
    ).peerboard
    for (let i = 0; i < count; i++) {
      const stroke = board.beginStroke({ color: '#1e1e1e', size: 2 }, { pressure: false })
      const points: number[] = []
      const x0 = 20 + (i % 50) * 18
      const y0 = 20 + Math.floor(i / 50) * 6
      for (let k = 0; k < 50; k++) points.push(x0 + k * 0.3, y0 + Math.sin(k / 4) * 5, 0.5)
      stroke.append(points)
      stroke.commit()
    }
  }, count)
}

export async function shapeCount(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as unknown as { peerboard: { board: { size: number } } }).peerboard.board.size,
  )
}

/** Edits lost: for each page, how many of `made` it lacks. */
export async function lostEdits(
  pages: readonly Page[],
  made: readonly string[],
): Promise<number[]> {
  const states: BoardState[] = await Promise.all(pages.map(boardState))
  return states.map((state) => made.filter((id) => !(id in state.shapes)).length)
}
