/**
 * Every tool, used by a person on page A, shows its result on page B (pixels of B's document
 * layer), plus per-person undo, select/move/delete, clear, and shortcuts.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import {
  documentInk,
  drag,
  drawStroke,
  waitForConnected,
  type BoardPage,
  type InkRegion,
} from '../helpers/browser'
import { useSession } from '../helpers/session'

const session = useSession()

async function pair(): Promise<[BoardPage, BoardPage]> {
  const a = await session.person()
  const b = await session.person(a.page.url())
  await waitForConnected(a.page, 1)
  await waitForConnected(b.page, 1)
  return [a, b]
}

const tool = (page: Page, name: string) => page.getByRole('button', { name, exact: true }).click()

function around(from: [number, number], to: [number, number], pad = 12): InkRegion {
  return {
    x: Math.min(from[0], to[0]) - pad,
    y: Math.min(from[1], to[1]) - pad,
    width: Math.abs(to[0] - from[0]) + pad * 2,
    height: Math.abs(to[1] - from[1]) + pad * 2,
  }
}

async function inkAppears(page: Page, region: InkRegion, minimum = 30): Promise<void> {
  await expect.poll(() => documentInk(page, region), { timeout: 10_000 }).toBeGreaterThan(minimum)
}

async function inkGone(page: Page, region: InkRegion): Promise<void> {
  await expect.poll(() => documentInk(page, region), { timeout: 10_000 }).toBe(0)
}

describe('tools', () => {
  it('draws with every tool on A and shows each result on B', async () => {
    const [a, b] = await pair()
    const drags: [string, [number, number], [number, number]][] = [
      ['Pen', [250, 150], [350, 200]],
      ['Highlighter', [400, 150], [500, 200]],
      ['Line', [550, 150], [650, 200]],
      ['Arrow', [250, 300], [350, 350]],
      ['Rectangle', [400, 300], [500, 350]],
      ['Ellipse', [550, 300], [650, 350]],
    ]
    for (const [name, from, to] of drags) {
      const region = around(from, to)
      expect(await documentInk(b.page, region)).toBe(0)
      await tool(a.page, name)
      await drag(a.page, from, to)
      await inkAppears(b.page, region)
    }

    await tool(a.page, 'Text')
    const box = await a.page.getByLabel('Board', { exact: true }).boundingBox()
    await a.page.mouse.click(box!.x + 250, box!.y + 450)
    await a.page.keyboard.type('Hello\nboard')
    await a.page.keyboard.press('Escape')
    await inkAppears(b.page, { x: 245, y: 445, width: 120, height: 70 })
  })

  it('erases whole shapes, on every screen', async () => {
    const [a, b] = await pair()
    const region = around([300, 200], [500, 260])
    await drawStroke(a.page, [
      [300, 200],
      [400, 260],
      [500, 200],
    ])
    await inkAppears(b.page, region)
    await tool(a.page, 'Eraser')
    await drag(a.page, [400, 150], [400, 300])
    await inkGone(b.page, region)
    await inkGone(a.page, region)
  })

  it('selects, moves and deletes a shape; others see it move', async () => {
    const [a, b] = await pair()
    await tool(a.page, 'Rectangle')
    await drag(a.page, [300, 200], [400, 260])
    const before = around([300, 200], [400, 260])
    await inkAppears(b.page, before)

    await tool(a.page, 'Select')
    await drag(a.page, [300, 230], [300, 430]) // grab the left edge, move down 200
    const after = around([300, 400], [400, 460])
    await inkAppears(b.page, after)
    await inkGone(b.page, before)

    await a.page.keyboard.press('Delete')
    await inkGone(b.page, after)
  })

  it('undo on A reverts only what A did, never B’s work', async () => {
    const [a, b] = await pair()
    const regionA = around([250, 200], [350, 260])
    const regionB = around([450, 200], [550, 260])
    await drawStroke(b.page, [
      [450, 200],
      [500, 260],
      [550, 200],
    ])
    await drawStroke(a.page, [
      [250, 200],
      [300, 260],
      [350, 200],
    ])
    await inkAppears(a.page, regionB)
    await inkAppears(b.page, regionA)

    await a.page.getByRole('button', { name: 'Undo' }).click()
    await inkGone(b.page, regionA)
    await inkGone(a.page, regionA)
    expect(await documentInk(a.page, regionB)).toBeGreaterThan(30)
    expect(await documentInk(b.page, regionB)).toBeGreaterThan(30)

    await a.page.getByRole('button', { name: 'Redo' }).click()
    await inkAppears(b.page, regionA)
  })

  it('clears the board after confirmation, and undo brings it back', async () => {
    const [a, b] = await pair()
    const region = around([300, 200], [500, 260])
    await drawStroke(a.page, [
      [300, 200],
      [400, 260],
      [500, 200],
    ])
    await inkAppears(b.page, region)
    await a.page.getByRole('button', { name: 'Clear', exact: true }).click()
    await a.page.getByRole('button', { name: 'Cancel' }).click()
    expect(await documentInk(b.page, region)).toBeGreaterThan(30)
    await a.page.getByRole('button', { name: 'Clear', exact: true }).click()
    await a.page.getByRole('button', { name: 'Clear board' }).click()
    await inkGone(b.page, region)
    await a.page.keyboard.press('Control+z')
    await inkAppears(b.page, region)
  })

  it('switches tools with keys, but not while typing text', async () => {
    const [a] = await pair()
    await a.page.keyboard.press('r')
    await expect
      .poll(() => a.page.getByRole('button', { name: 'Rectangle' }).getAttribute('aria-pressed'))
      .toBe('true')
    await tool(a.page, 'Text')
    const box = await a.page.getByLabel('Board', { exact: true }).boundingBox()
    await a.page.mouse.click(box!.x + 300, box!.y + 300)
    await a.page.keyboard.type('pearl')
    expect(await a.page.getByRole('button', { name: 'Text' }).getAttribute('aria-pressed')).toBe(
      'true',
    )
    await expect(a.page.getByRole('textbox', { name: 'Text' }).inputValue()).resolves.toBe('pearl')
  })

  it('places remote edits correctly when the viewer is zoomed and panned', async () => {
    const [a, b] = await pair()
    // B zooms in twice around the board centre; A draws at the centre of its own view.
    await b.page.getByRole('button', { name: 'Zoom in' }).click()
    await b.page.getByRole('button', { name: 'Zoom in' }).click()
    const box = (await b.page.getByLabel('Board', { exact: true }).boundingBox())!
    const cx = box.width / 2
    const cy = box.height / 2
    // …then scrolls: the content moves 100 px left and 50 px up on B's screen.
    await b.page.mouse.move(box.x + cx, box.y + cy)
    await b.page.mouse.wheel(100, 50)
    await tool(a.page, 'Rectangle')
    await drag(a.page, [cx - 20, cy - 20], [cx + 20, cy + 20])
    // At 156 %, A's 40-unit square spans about 62 px on B, centred 100 px left, 50 px up.
    const [ex, ey] = [cx - 100, cy - 50]
    await inkAppears(b.page, around([ex - 33, ey - 33], [ex + 33, ey + 33], 0))
    expect(await documentInk(b.page, around([ex - 10, ey - 10], [ex + 10, ey + 10], 0))).toBe(0)
    expect(await documentInk(b.page, around([cx - 33, cy + 40], [cx + 33, cy + 100], 0))).toBe(0)
  })
})
