/**
 * Issue 3's numbers on a 10,000-stroke Peerboard board, one page:
 * - frame time while panning (wheel) and zooming (Ctrl+wheel) with real input: the drawing
 *   time of every frame the renderer produced (renderer.frameTimes), including the repaint
 *   once the view settles;
 * - time to export the board as PNG and as SVG through the app (download included), and the
 *   longest main-thread stall meanwhile (a 10 ms interval probe);
 * - time to load the board from IndexedDB after a reload (app start → y-indexeddb synced).
 */
import { openPeer } from './browser.mjs'
import { sleep } from './mesh.mjs'
import { round, summarize } from './stats.mjs'

const STROKES = 10_000
const POINTS = 50

/** In-page: strokes [from, from+count) drawn through the Board, as the pen would. */
function generate(/** @type {{from: number, count: number, points: number}} */ o) {
  const { board } = /** @type {any} */ (window).peerboard
  for (let i = o.from; i < o.from + o.count; i++) {
    const stroke = board.beginStroke({ color: '#1e1e1e', size: 2 }, { pressure: false })
    const points = []
    const x0 = 20 + (i % 100) * 19
    const y0 = 20 + Math.floor(i / 100) * 14
    for (let k = 0; k < o.points; k++) points.push(x0 + k * 0.3, y0 + Math.sin(k / 4) * 5, 0.5)
    stroke.append(points)
    stroke.commit()
  }
}

/** In-page: starts recording frame times and main-thread stalls. */
function startProbe() {
  const w = /** @type {any} */ (window)
  w.peerboard.app.renderer.frameTimes = []
  let last = performance.now()
  w.__stall = 0
  w.__probe = setInterval(() => {
    const now = performance.now()
    w.__stall = Math.max(w.__stall, now - last - 10)
    last = now
  }, 10)
}

/** In-page: stops the probe; returns the frames drawn and the longest stall. */
function stopProbe() {
  const w = /** @type {any} */ (window)
  clearInterval(w.__probe)
  const frames = w.peerboard.app.renderer.frameTimes
  w.peerboard.app.renderer.frameTimes = null
  return { frames, stallMs: w.__stall }
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} peerboardUrl
 * @param {{log: (m: string) => void}} options
 */
export async function measureBigBoard(browser, peerboardUrl, options) {
  const { context, page, logs } = await openPeer(browser, `${peerboardUrl}/`)
  try {
    await page.locator('[data-ready="true"]').waitFor()
    options.log(`big board: drawing ${STROKES} strokes`)
    for (let from = 0; from < STROKES; from += 500) {
      await page.evaluate(generate, { from, count: 500, points: POINTS })
    }
    const board = page.getByLabel('Board', { exact: true })
    const box = await board.boundingBox()
    if (!box) throw new Error('board not visible')
    await page.evaluate(() => /** @type {any} */ (window).peerboard.app.zoomToFit())
    await sleep(1500)

    options.log('big board: panning and zooming')
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.evaluate(startProbe)
    for (let i = 0; i < 90; i++) {
      await page.mouse.wheel(i % 30 < 15 ? 24 : -24, 12)
      await sleep(16)
    }
    await sleep(700)
    const pan = await page.evaluate(stopProbe)
    await page.evaluate(startProbe)
    await page.keyboard.down('Control')
    for (let i = 0; i < 60; i++) {
      await page.mouse.wheel(0, i < 30 ? -15 : 15)
      await sleep(16)
    }
    await page.keyboard.up('Control')
    await sleep(700)
    const zoom = await page.evaluate(stopProbe)
    const frames = [...pan.frames, ...zoom.frames]

    /** @type {Record<string, any>} */
    const exports = {}
    for (const kind of /** @type {const} */ (['png', 'svg'])) {
      options.log(`big board: export ${kind}`)
      await page.evaluate(startProbe)
      const download = page.waitForEvent('download', { timeout: 60_000 })
      const ms = await page.evaluate(async (k) => {
        const t0 = performance.now()
        await /** @type {any} */ (window).peerboard.app.exportAs(k)
        return performance.now() - t0
      }, kind)
      const file = await download
      const size = (await import('node:fs')).statSync(await file.path()).size
      const { stallMs } = await page.evaluate(stopProbe)
      exports[kind] = { totalMs: round(ms), longestStallMs: round(stallMs), bytes: size }
    }

    options.log('big board: reload from IndexedDB')
    await sleep(2000) // y-indexeddb writes each update; let the last ones land
    await page.reload()
    await page.waitForFunction(
      () => performance.getEntriesByName('peerboard:restored').length > 0,
      null,
      { timeout: 60_000 },
    )
    const restore = await page.evaluate(() => {
      const start = performance.getEntriesByName('peerboard:start')[0]?.startTime ?? 0
      const restored = performance.getEntriesByName('peerboard:restored')[0]?.startTime ?? 0
      return { ms: restored - start, shapes: /** @type {any} */ (window).peerboard.board.size }
    })

    return {
      strokes: STROKES,
      pointsPerStroke: POINTS,
      viewport: { width: 1000, height: 700, deviceScaleFactor: 1 },
      panZoomFrameMs: summarize(frames, 2),
      panFrameMs: summarize(pan.frames, 2),
      zoomFrameMs: summarize(zoom.frames, 2),
      longestStallWhilePanZoomMs: round(Math.max(pan.stallMs, zoom.stallMs)),
      export: exports,
      indexedDbLoadMs: round(restore.ms),
      shapesAfterReload: restore.shapes,
      consoleErrors: logs,
    }
  } finally {
    await context.close()
  }
}
