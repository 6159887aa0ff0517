/**
 * Real headless Chromium for end-to-end tests and benchmarks: one browser process, one
 * context per person (separate storage, like separate machines).
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs'

export { CHROMIUM_ARGS, CHROMIUM_PATH }

export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run npm test (it installs it)`)
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  })
}

export async function newPerson(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    permissions: ['microphone', 'clipboard-read', 'clipboard-write'],
    viewport: { width: 1000, height: 700 },
  })
}

export interface BoardPage {
  page: Page
  context: BrowserContext
  logs: string[]
}

export async function openBoard(context: BrowserContext, url: string): Promise<BoardPage> {
  const page = await context.newPage()
  const logs: string[] = []
  page.on('console', (message) => logs.push(`[${message.type()}] ${message.text()}`))
  page.on('pageerror', (error) => logs.push(`[pageerror] ${error.message}`))
  await page.goto(url)
  // The canvases start once the network has settled (at most 1.5 s after load).
  await page.locator('[data-ready="true"]').waitFor()
  return { page, context, logs }
}

/** Waits until the participants list shows `count` peers as connected. */
export async function waitForConnected(page: Page, count: number, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-peer][data-state="connected"]').length === n,
    count,
    { timeout },
  )
}

/** Draws a stroke with the real mouse through `points` (CSS pixels relative to the board). */
/** A five-point stroke across the middle of a default-sized board (page coordinates). */
export const zigzag: [number, number][] = [
  [300, 150],
  [360, 230],
  [420, 150],
  [480, 230],
  [540, 150],
]

export async function drawStroke(
  page: Page,
  points: readonly [number, number][],
  options: { release?: boolean } = {},
): Promise<void> {
  const box = await page.getByLabel('Board', { exact: true }).boundingBox()
  if (!box) throw new Error('board not visible')
  const [first, ...rest] = points
  if (!first) return
  await page.mouse.move(box.x + first[0], box.y + first[1])
  await page.mouse.down()
  for (const [x, y] of rest) await page.mouse.move(box.x + x, box.y + y, { steps: 2 })
  if (options.release !== false) await page.mouse.up()
}

export interface InkRegion {
  x: number
  y: number
  width: number
  height: number
}

/**
 * Counts ink pixels of the board as displayed (both canvas layers composited), optionally
 * inside a region in CSS pixels. Reads real canvas pixels, not the model.
 */
export async function inkPixels(page: Page, region?: InkRegion): Promise<number> {
  return page.evaluate((area) => {
    const layers = [...document.querySelectorAll('canvas')]
    const first = layers[0]
    if (!first) return 0
    const dpr = first.width / first.getBoundingClientRect().width
    const scratch = document.createElement('canvas')
    scratch.width = first.width
    scratch.height = first.height
    const context = scratch.getContext('2d', { willReadFrequently: true })!
    for (const layer of layers) context.drawImage(layer, 0, 0)
    const x = Math.round((area?.x ?? 0) * dpr)
    const y = Math.round((area?.y ?? 0) * dpr)
    const width = Math.round((area?.width ?? first.width / dpr) * dpr)
    const height = Math.round((area?.height ?? first.height / dpr) * dpr)
    const data = context.getImageData(x, y, width, height).data
    let count = 0
    // Ink is the default near-black pen; cursors and labels are coloured, so they never count.
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 128 && Math.max(data[i]!, data[i + 1]!, data[i + 2]!) < 90) count++
    }
    return count
  }, region ?? null)
}

/** A digest of the document layer's pixels, to compare two screens showing the same board. */
export async function documentDigest(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas[data-layer="document"]')!
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
    const digest = await crypto.subtle.digest('SHA-256', data)
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
  })
}

export async function waitForInk(
  page: Page,
  minimum: number,
  region?: InkRegion,
  timeout = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeout
  for (;;) {
    const count = await inkPixels(page, region)
    if (count >= minimum) return count
    if (Date.now() > deadline) throw new Error(`ink ${count} < ${minimum} after ${timeout} ms`)
    await page.waitForTimeout(50)
  }
}

/**
 * Counts painted pixels of the document layer only (committed shapes, any colour or opacity),
 * optionally inside a region in CSS pixels. Cursors and drafts live on the overlay and never
 * count.
 */
export async function documentInk(page: Page, region?: InkRegion): Promise<number> {
  return page.evaluate((area) => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas[data-layer="document"]')!
    const dpr = canvas.width / canvas.getBoundingClientRect().width
    const x = Math.round((area?.x ?? 0) * dpr)
    const y = Math.round((area?.y ?? 0) * dpr)
    const width = Math.round((area?.width ?? canvas.width / dpr) * dpr)
    const height = Math.round((area?.height ?? canvas.height / dpr) * dpr)
    const data = canvas.getContext('2d')!.getImageData(x, y, width, height).data
    let count = 0
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++
    return count
  }, region ?? null)
}

/** Drags with the real mouse from one board point to another (CSS pixels). */
export async function drag(
  page: Page,
  from: [number, number],
  to: [number, number],
  options: { shift?: boolean } = {},
): Promise<void> {
  const box = await page.getByLabel('Board', { exact: true }).boundingBox()
  if (!box) throw new Error('board not visible')
  if (options.shift) await page.keyboard.down('Shift')
  await page.mouse.move(box.x + from[0], box.y + from[1])
  await page.mouse.down()
  await page.mouse.move(box.x + (from[0] + to[0]) / 2, box.y + (from[1] + to[1]) / 2, { steps: 4 })
  await page.mouse.move(box.x + to[0], box.y + to[1], { steps: 4 })
  await page.mouse.up()
  if (options.shift) await page.keyboard.up('Shift')
}
