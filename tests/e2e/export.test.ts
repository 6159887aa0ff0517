/**
 * Export and import in real Chromium.
 *
 * "export module in the browser" loads client/src/export (bundled on the fly with Vite) into a
 * blank page and checks real pixels: the PNG painted by the screen's painter, the SVG drawn by
 * the browser's own SVG renderer against it, PNG and board file imported back, and a
 * 10,000-stroke export that must not freeze the page.
 *
 * "export and import through the UI" follows the UI contract in DESIGN.md: an Export button
 * offering PNG, SVG and Board file that download a file, an Import button opening a file
 * chooser, a refused import shown as role=alert.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BrowserContext, Download, Page } from 'playwright-core'
import { build, type Rolldown } from 'vite'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { decodeBoardFile } from '../../client/src/export/board-file'
import { PEERBOARD_KEYWORD, readTextChunk } from '../../client/src/export/png-chunks'
import { documentInk, drawStroke, newPerson, waitForInk } from '../helpers/browser'
import { ROOT } from '../helpers/server-process'
import { useSession } from '../helpers/session'

const session = useSession()

/** What the harness page exposes as `window.exportHarness`. */
const HARNESS_ENTRY = `
import * as Y from 'yjs'
import { Board } from '${ROOT}/client/src/board/board'
import { encodePoints } from '${ROOT}/client/src/board/points'
import { encodeBoardFile } from '${ROOT}/client/src/export/board-file'
import { importFile } from '${ROOT}/client/src/export/import-file'
import { exportPng } from '${ROOT}/client/src/export/png'
import { exportSvg } from '${ROOT}/client/src/export/svg'
window.exportHarness = { Y, Board, encodePoints, encodeBoardFile, importFile, exportPng, exportSvg }
`

async function bundleHarness(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    plugins: [
      {
        name: 'export-harness',
        enforce: 'pre',
        resolveId: (id) => (id.endsWith('virtual:export-harness') ? '\0export-harness' : null),
        load: (id) => (id === '\0export-harness' ? HARNESS_ENTRY : null),
      },
    ],
    build: {
      write: false,
      minify: false,
      lib: { entry: 'virtual:export-harness', formats: ['iife'], name: 'exportHarness' },
    },
  })
  const [output] = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[]
  const chunk = output?.output[0]
  if (!chunk || chunk.type !== 'chunk') throw new Error('harness bundle failed')
  return chunk.code
}

/** Types of the harness as the page sees it (only what the tests call). */
interface HarnessBoard {
  size: number
  doc: unknown
  create(geometry: object, style: object, at: { x: number; y: number }): string
  allShapes(): readonly { id: string }[]
}
interface Harness {
  Y: { Doc: new () => unknown; encodeStateAsUpdate(doc: unknown): Uint8Array }
  Board: new (doc: unknown) => HarnessBoard
  encodePoints(points: number[], options: { pressure: boolean }): Uint8Array
  encodeBoardFile(board: HarnessBoard): string
  importFile(bytes: Uint8Array, board: HarnessBoard): Promise<{ shapes: number }>
  exportPng(board: HarnessBoard, options?: object): Promise<Blob>
  exportSvg(board: HarnessBoard, options?: object): Promise<string>
}
type HarnessWindow = Window & { exportHarness: Harness; board: HarnessBoard }

describe('export module in the browser', () => {
  let harness: string
  let page: Page
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    harness = await bundleHarness()
  })

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined)
  })

  async function harnessPage(): Promise<Page> {
    // A blank page, not the app: the harness brings its own copy of Yjs.
    const context = await newPerson(session.browser)
    contexts.push(context)
    const blank = await context.newPage()
    await blank.setContent('<!doctype html><html><body></body></html>')
    await blank.addScriptTag({ content: harness })
    await installInkMask(blank)
    // One shape of every type; text with an accent and wide glyphs near the edges.
    await blank.evaluate(() => {
      const { Y, Board, encodePoints } = (window as unknown as HarnessWindow).exportHarness
      const board = new Board(new Y.Doc())
      const ink = { color: '#1e1e1e', size: 4, fill: null }
      const points: number[] = []
      for (let k = 0; k < 60; k++) points.push(20 + k * 4, 40 + Math.sin(k / 5) * 25, 0.5)
      board.create({ type: 'pen', points: encodePoints(points, { pressure: false }) }, ink, {
        x: 1,
        y: 1,
      })
      board.create(
        { type: 'highlighter', points: encodePoints(points, { pressure: false }) },
        { color: '#f08c00', size: 20, fill: null },
        { x: 1, y: 40 },
      )
      board.create({ type: 'line', dx: 120, dy: 60 }, ink, { x: 300, y: 20 })
      board.create(
        { type: 'arrow', dx: -80, dy: 90 },
        { ...ink, color: '#e03131' },
        { x: 480, y: 20 },
      )
      board.create({ type: 'rect', w: 100, h: 60 }, { ...ink, fill: '#2f9e44' }, { x: 20, y: 160 })
      board.create({ type: 'ellipse', w: 120, h: 70 }, ink, { x: 160, y: 160 })
      board.create({ type: 'text', text: 'Ébauche WWW\nsecond line' }, ink, { x: 320, y: 160 })
      ;(window as unknown as HarnessWindow).board = board
    })
    return blank
  }

  /** Ink (opaque, not white) pixels of a PNG (base64) or an SVG, decoded by the page. */
  function installInkMask(target: Page): Promise<void> {
    return target.evaluate(() => {
      const inkMask = async ({ png, svg }: { png?: string; svg?: string }) => {
        let image: CanvasImageSource & { width: number; height: number }
        if (png) {
          const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0))
          image = await createImageBitmap(new Blob([bytes], { type: 'image/png' }))
        } else {
          const element = new Image()
          element.src = URL.createObjectURL(new Blob([svg!], { type: 'image/svg+xml' }))
          await element.decode()
          image = element
        }
        const context = new OffscreenCanvas(image.width, image.height).getContext('2d')!
        context.drawImage(image, 0, 0)
        const data = context.getImageData(0, 0, image.width, image.height).data
        const mask = new Uint8Array(image.width * image.height)
        let ink = 0
        let transparent = 0
        for (let i = 0; i < mask.length; i++) {
          const [r, g, b, a] = [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!, data[i * 4 + 3]!]
          if (a > 128 && Math.min(r, g, b) < 200) {
            mask[i] = 1
            ink++
          }
          if (a === 0) transparent++
        }
        return { width: image.width, height: image.height, ink, transparent, mask }
      }
      Object.assign(window, { inkMask })
    })
  }

  type InkMask = (source: { png?: string; svg?: string }) => Promise<{
    width: number
    height: number
    ink: number
    transparent: number
    mask: Uint8Array
  }>

  const imageStats = (target: Page, source: { png?: string; svg?: string }) =>
    target.evaluate(async (image) => {
      const { mask: _, ...stats } = await (window as unknown as { inkMask: InkMask }).inkMask(image)
      return stats
    }, source)

  it('exports a PNG that shows the board and carries it', async () => {
    page = await harnessPage()
    const exported = await page.evaluate(async () => {
      const { exportHarness, board } = window as unknown as HarnessWindow
      const blob = await exportHarness.exportPng(board)
      const bytes = new Uint8Array(await blob.arrayBuffer())
      return { type: blob.type, base64: btoa(String.fromCharCode(...bytes)) }
    })
    expect(exported.type).toBe('image/png')
    const bytes = Buffer.from(exported.base64, 'base64')
    const stats = await imageStats(page, { png: exported.base64 })
    // Content is about 510 × 250 board units; scale 2 plus padding.
    expect(stats.width).toBeGreaterThan(1000)
    expect(stats.height).toBeGreaterThan(500)
    expect(stats.ink).toBeGreaterThan(20_000)
    expect(stats.transparent).toBe(0)

    const boardFile = readTextChunk(new Uint8Array(bytes), PEERBOARD_KEYWORD)
    expect(boardFile).not.toBeNull()
    expect(decodeBoardFile(boardFile!).shapes).toHaveLength(7)
  })

  it('imports its own PNG and board file back, shape for shape and pixel for pixel', async () => {
    page = await harnessPage()
    const result = await page.evaluate(async () => {
      const { exportHarness: h, board } = window as unknown as HarnessWindow
      const png = new Uint8Array(await (await h.exportPng(board)).arrayBuffer())
      const json = new TextEncoder().encode(h.encodeBoardFile(board))
      const fromPng = new h.Board(new h.Y.Doc())
      const fromJson = new h.Board(new h.Y.Doc())
      const counts = [
        (await h.importFile(png, fromPng)).shapes,
        (await h.importFile(json, fromJson)).shapes,
      ]
      const ids = (b: HarnessBoard) => b.allShapes().map((shape) => shape.id)
      const pixels = async (blob: Blob) => {
        const bitmap = await createImageBitmap(blob)
        const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!
        context.drawImage(bitmap, 0, 0)
        const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data
        // FNV-1a: crypto.subtle needs a secure context, which a blank page is not.
        let hash = 0x811c9dc5
        for (const byte of data) hash = Math.imul(hash ^ byte, 0x01000193)
        return `${bitmap.width}x${bitmap.height}:${hash >>> 0}`
      }
      return {
        counts,
        sameIds: JSON.stringify(ids(fromPng)) === JSON.stringify(ids(board)),
        sameJsonIds: JSON.stringify(ids(fromJson)) === JSON.stringify(ids(board)),
        samePixels: (await pixels(await h.exportPng(fromPng))) === (await pixels(new Blob([png]))),
      }
    })
    expect(result).toEqual({ counts: [7, 7], sameIds: true, sameJsonIds: true, samePixels: true })
  })

  it('exports an SVG that the browser draws like the canvas', async () => {
    page = await harnessPage()
    const { svg, png } = await page.evaluate(async () => {
      const { exportHarness, board } = window as unknown as HarnessWindow
      const options = { scale: 1, padding: 16 }
      const blob = await exportHarness.exportPng(board, options)
      const bytes = new Uint8Array(await blob.arrayBuffer())
      return {
        svg: await exportHarness.exportSvg(board, options),
        png: btoa(String.fromCharCode(...bytes)),
      }
    })
    const parsed = await page.evaluate((source) => {
      const doc = new DOMParser().parseFromString(source, 'image/svg+xml')
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        root: doc.documentElement.localName,
        children: [...doc.documentElement.children].map((child) => child.localName),
        text: [...doc.querySelectorAll('text tspan')].map((span) => span.textContent),
      }
    }, svg)
    expect(parsed.error).toBeNull()
    expect(parsed.root).toBe('svg')
    expect(parsed.children).toEqual([
      'rect',
      'path',
      'path',
      'line',
      'path',
      'rect',
      'ellipse',
      'text',
    ])
    expect(parsed.text).toEqual(['Ébauche WWW', 'second line'])

    const overlap = await page.evaluate(
      async (sources) => {
        const { inkMask } = window as unknown as { inkMask: InkMask }
        const canvas = await inkMask({ png: sources.png })
        const vector = await inkMask({ svg: sources.svg })
        let both = 0
        for (let y = 0; y < Math.min(canvas.height, vector.height); y++) {
          for (let x = 0; x < Math.min(canvas.width, vector.width); x++) {
            if (canvas.mask[y * canvas.width + x] && vector.mask[y * vector.width + x]) both++
          }
        }
        return {
          widths: [canvas.width, vector.width],
          heights: [canvas.height, vector.height],
          ofCanvas: both / canvas.ink,
          ofSvg: both / vector.ink,
        }
      },
      { png, svg },
    )
    // Same frame, and ink in the same places (antialiasing differs at the edges).
    expect(Math.abs(overlap.widths[0]! - overlap.widths[1]!)).toBeLessThanOrEqual(1)
    expect(Math.abs(overlap.heights[0]! - overlap.heights[1]!)).toBeLessThanOrEqual(1)
    expect(overlap.ofCanvas).toBeGreaterThan(0.9)
    expect(overlap.ofSvg).toBeGreaterThan(0.9)
  })

  it('keeps text whole in the PNG: accents and wide glyphs are not cut off', async () => {
    page = await harnessPage()
    const ink = await page.evaluate(async () => {
      const { exportHarness: h } = window as unknown as HarnessWindow
      const board = new h.Board(new h.Y.Doc())
      const style = { color: '#000000', size: 20, fill: null }
      board.create({ type: 'text', text: 'ÉÂWWWWWWWW' }, style, { x: 0, y: 0 })
      const inkAt = async (padding: number) => {
        const bitmap = await createImageBitmap(await h.exportPng(board, { padding, scale: 1 }))
        const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!
        context.drawImage(bitmap, 0, 0)
        const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data
        let count = 0
        for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) count++
        return count
      }
      return { tight: await inkAt(0), roomy: await inkAt(60) }
    })
    // Cut to the model's estimate, the accents and the last W would be missing.
    expect(ink.tight).toBeGreaterThan(1000)
    expect(ink.tight).toBeGreaterThanOrEqual(ink.roomy * 0.99)
  })

  it('exports a 10,000-stroke board without freezing the page for a second', async () => {
    page = await harnessPage()
    const result = await page.evaluate(async () => {
      const { exportHarness: h } = window as unknown as HarnessWindow
      const board = new h.Board(new h.Y.Doc())
      const style = { color: '#1e1e1e', size: 2, fill: null }
      for (let i = 0; i < 10_000; i++) {
        const points: number[] = []
        const x0 = 20 + (i % 100) * 18
        const y0 = 20 + Math.floor(i / 100) * 15
        for (let k = 0; k < 50; k++) points.push(x0 + k * 0.3, y0 + Math.sin(k / 4) * 5, 0.5)
        const geometry = { type: 'pen', points: h.encodePoints(points, { pressure: false }) }
        board.create(geometry, style, { x: 1, y: 1 })
      }
      // The longest gap between timer ticks is the longest the page could not respond.
      const measure = async (run: () => Promise<unknown>) => {
        let last = performance.now()
        let worst = 0
        let running = true
        const tick = () => {
          const now = performance.now()
          worst = Math.max(worst, now - last)
          last = now
          if (running) setTimeout(tick)
        }
        setTimeout(tick)
        await run()
        running = false
        return worst
      }
      // A second is the goal. On a test machine so loaded that the one Yjs encode, which no
      // export can slice, takes over a third of that, the bound grows with it. Load only ever
      // lengthens a freeze, so the best of three attempts is the export's own.
      const attempts: { png: number; svg: number; bound: number }[] = []
      let size = 0
      for (let attempt = 0; attempt < 3; attempt++) {
        const start = performance.now()
        h.Y.encodeStateAsUpdate(board.doc)
        const bound = Math.max(1000, 3 * (performance.now() - start))
        const png = await measure(async () => (size = (await h.exportPng(board)).size))
        const svg = await measure(() => h.exportSvg(board))
        attempts.push({ png, svg, bound })
        if (png < bound && svg < bound) break
      }
      return { size, attempts }
    })
    const summary = result.attempts.map(({ png, svg }) => `PNG ${png} ms, SVG ${svg} ms`)
    console.info(`10,000 strokes, longest freeze: ${summary.join('; ')}`)
    expect(result.size).toBeGreaterThan(100_000)
    expect(result.attempts.some(({ png, svg, bound }) => png < bound && svg < bound)).toBe(true)
  })
})

describe('export and import through the UI', () => {
  const files: string[] = []

  afterAll(async () => {
    for (const file of files) await rm(file, { force: true })
  })

  function tempFile(name: string): string {
    const file = path.join(tmpdir(), `peerboard-e2e-${process.pid}-${files.length}-${name}`)
    files.push(file)
    return file
  }

  /** Mid-board, clear of the toolbar's style panel and the participants list. */
  const zigzag: [number, number][] = [
    [340, 300],
    [400, 380],
    [460, 300],
    [520, 380],
    [580, 300],
  ]

  async function exportAs(page: Page, format: 'PNG' | 'SVG' | 'Board file'): Promise<Download> {
    await page.getByRole('button', { name: 'Export', exact: true }).click()
    const downloading = page.waitForEvent('download')
    await page
      .getByRole('menuitem', { name: format, exact: true })
      .or(page.getByRole('button', { name: format, exact: true }))
      .click()
    return downloading
  }

  async function importInto(page: Page, file: string): Promise<void> {
    const choosing = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await (await choosing).setFiles(file)
  }

  async function saved(download: Download, name: string): Promise<string> {
    const file = tempFile(name)
    await download.saveAs(file)
    return file
  }

  it('exports PNG, SVG and a board file, and each imports into a fresh board', async () => {
    const a = await session.person()
    await drawStroke(a.page, zigzag)
    await waitForInk(a.page, 200)

    const png = await exportAs(a.page, 'PNG')
    expect(png.suggestedFilename()).toMatch(/\.png$/)
    const pngFile = await saved(png, 'board.png')
    const pngBytes = new Uint8Array(await readFile(pngFile))
    const pngInk = await a.page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }))
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
      const context = canvas.getContext('2d')!
      context.drawImage(bitmap, 0, 0)
      const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data
      let ink = 0
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 128 && data[i]! < 90) ink++
      return ink
    }, Buffer.from(pngBytes).toString('base64'))
    expect(pngInk).toBeGreaterThan(400)
    expect(decodeBoardFile(readTextChunk(pngBytes, PEERBOARD_KEYWORD)!).shapes).toHaveLength(1)

    const svg = await exportAs(a.page, 'SVG')
    expect(svg.suggestedFilename()).toMatch(/\.svg$/)
    const svgText = await readFile(await saved(svg, 'board.svg'), 'utf8')
    const paths = await a.page.evaluate((source) => {
      const doc = new DOMParser().parseFromString(source, 'image/svg+xml')
      if (doc.querySelector('parsererror')) return -1
      return doc.querySelectorAll('path').length
    }, svgText)
    expect(paths).toBe(1)

    const boardFile = await exportAs(a.page, 'Board file')
    expect(boardFile.suggestedFilename()).toMatch(/\.json$/)
    const jsonFile = await saved(boardFile, 'board.json')
    const json = await readFile(jsonFile, 'utf8')
    expect(decodeBoardFile(json).shapes).toHaveLength(1)

    for (const file of [pngFile, jsonFile]) {
      const b = await session.person()
      expect(await documentInk(b.page)).toBe(0)
      await importInto(b.page, file)
      await expect.poll(() => documentInk(b.page), { timeout: 10_000 }).toBeGreaterThan(200)
    }
  })

  it('refuses a corrupt file with a message, and changes nothing', async () => {
    const b = await session.person()
    await drawStroke(b.page, zigzag)
    await waitForInk(b.page, 200)
    // The model, not pixels: the alert may shift the layout and so redraw the canvas.
    const model = () =>
      b.page.evaluate(() => {
        const { board } = (
          window as unknown as {
            peerboard: {
              board: { allShapes(): unknown[]; undoManager: { undoStack: unknown[] } }
            }
          }
        ).peerboard
        return JSON.stringify([board.allShapes(), board.undoManager.undoStack.length])
      })
    const before = await model()
    const corrupt = tempFile('corrupt.json')
    await writeFile(corrupt, '{"format":"peerboard","version":1,"createdAt":"x","state":"@@"}')
    await importInto(b.page, corrupt)
    await expect
      .poll(() => b.page.getByRole('alert').textContent(), { timeout: 10_000 })
      .toMatch(/board file is damaged/)
    expect(await model()).toBe(before)
    expect(await documentInk(b.page)).toBeGreaterThan(200)
  })
})
