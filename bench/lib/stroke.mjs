/**
 * Metric 3 (stroke latency) and the live half of metric 5 (bytes per point while drawing).
 *
 * A draws with the real mouse (Playwright page.mouse) on its Board canvas: horizontal strokes
 * of 50 points, 16 px apart. A records each pointermove's event.timeStamp + timeOrigin. B
 * watches its canvases: every animation frame it posts a task (so it runs after that frame's
 * rAF callbacks, including the app's own renderer) that reads the pixel rows of the pending
 * points; a point counts as painted when dark ink appears 4-7 px left of it (on the segment
 * that only exists once that point arrived, and clear of A's remote cursor arrow, which is
 * drawn to the right of the pointer). Latency = detection time on B − event time on A.
 */
import { closePeers, counterDelta, openPeers, readCounters, sleep, waitMesh } from './mesh.mjs'
import { summarize } from './stats.mjs'

export const POINTS_PER_STROKE = 50
const X0 = 80
const DX = 16
const Y0 = 110
const DY = 100

/** In-page on A: pointermove timestamps while the button is down. */
export function installPointerRecorder() {
  /** @type {[number, number, number][]} */
  const events = []
  Object.assign(window, { __benchPointer: events })
  window.addEventListener(
    'pointermove',
    (event) => {
      if (event.buttons & 1)
        events.push([performance.timeOrigin + event.timeStamp, event.clientX, event.clientY])
    },
    { capture: true },
  )
}

/**
 * In-page on B: the rAF pixel watcher over all canvases of the page.
 * @param {{points: [number, number][]}} options  canvas-relative CSS pixels (dpr 1)
 */
export function installInkWatcher(options) {
  const now = () => performance.timeOrigin + performance.now()
  const contexts = [...document.querySelectorAll('canvas')].map(
    (canvas) => /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')),
  )
  const { points } = options
  /** @type {(number | null)[]} detection time, -1 = missed */
  const found = points.map(() => null)
  let first = 0
  let maxFound = -1
  let frames = 0
  let stopped = false
  /** @param {Uint8ClampedArray[]} rows @param {number[]} widths @param {number} x */
  const inked = (rows, widths, x) => {
    for (let c = 0; c < rows.length; c++) {
      const data = /** @type {Uint8ClampedArray} */ (rows[c])
      const width = /** @type {number} */ (widths[c])
      for (let dy = 0; dy < 3; dy++) {
        for (let px = x - 7; px <= x - 4; px++) {
          const i = (dy * width + px) * 4
          const alpha = /** @type {number} */ (data[i + 3])
          const max = Math.max(
            /** @type {number} */ (data[i]),
            /** @type {number} */ (data[i + 1]),
            /** @type {number} */ (data[i + 2]),
          )
          if (alpha >= 128 && max <= 100) return true
        }
      }
    }
    return false
  }
  const check = () => {
    const t = now()
    frames++
    while (first < points.length && found[first] !== null) first++
    /** @type {Map<number, number[]>} */
    const rows = new Map()
    for (let i = first, taken = 0; i < points.length && taken < 12; i++) {
      if (found[i] !== null) continue
      if (i < maxFound - 6) {
        found[i] = -1
        continue
      }
      const y = /** @type {[number, number]} */ (points[i])[1]
      const list = rows.get(y) ?? []
      list.push(i)
      rows.set(y, list)
      taken++
    }
    for (const [y, indices] of rows) {
      const datas = contexts.map(
        (context) => context.getImageData(0, Math.round(y) - 1, context.canvas.width, 3).data,
      )
      const widths = contexts.map((context) => context.canvas.width)
      for (const i of indices) {
        if (inked(datas, widths, Math.round(/** @type {[number, number]} */ (points[i])[0]))) {
          found[i] = t
          maxFound = Math.max(maxFound, i)
        }
      }
    }
  }
  const channel = new MessageChannel()
  channel.port1.onmessage = check
  const frame = () => {
    if (stopped) return
    channel.port2.postMessage(0)
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  Object.assign(window, {
    __benchInk: {
      found,
      frames: () => frames,
      stop: () => {
        stopped = true
      },
    },
  })
}

/** In-page: transport and data-channel bytes sent on the connection to `peerId`. */
async function connectionBytes(/** @type {{kind: string, peerId: string}} */ { kind, peerId }) {
  const w = /** @type {any} */ (window)
  const pc =
    kind === 'peerboard' ? w.peerboard.mesh.connectionTo(peerId) : w.bench.connectionTo(peerId)
  if (!pc) return null
  const stats = await pc.getStats()
  let transportSent = 0
  let transportReceived = 0
  let channelSent = 0
  let channelReceived = 0
  stats.forEach((/** @type {any} */ report) => {
    if (report.type === 'transport') {
      transportSent += report.bytesSent ?? 0
      transportReceived += report.bytesReceived ?? 0
    } else if (report.type === 'data-channel') {
      channelSent += report.bytesSent ?? 0
      channelReceived += report.bytesReceived ?? 0
    }
  })
  return { transportSent, transportReceived, channelSent, channelReceived }
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {import('./mesh.mjs').System} system
 * @param {{strokes: number, spacingMs: number, timeoutMs: number}} options
 */
export async function strokeRun(browser, system, options) {
  const { peers } = await openPeers(browser, system, 2)
  try {
    await waitMesh(system, peers, 1, options.timeoutMs, { until: 'open' })
    const [a, b] = /** @type {[import('./mesh.mjs').Peer, import('./mesh.mjs').Peer]} */ (peers)
    await a.page.getByLabel('Board', { exact: true }).waitFor()
    await b.page.getByLabel('Board', { exact: true }).waitFor()
    await sleep(500)
    const box = await a.page.getByLabel('Board', { exact: true }).boundingBox()
    if (!box) throw new Error('board not visible on A')
    const bId = await system.selfId(b.page)
    /** @type {[number, number][]} */
    const expected = []
    for (let s = 0; s < options.strokes; s++) {
      for (let k = 1; k < POINTS_PER_STROKE; k++) expected.push([X0 + k * DX, Y0 + s * DY])
    }
    await a.page.evaluate(installPointerRecorder)
    await b.page.evaluate(installInkWatcher, { points: expected })

    const strokes = []
    for (let s = 0; s < options.strokes; s++) {
      const y = Y0 + s * DY
      await a.page.mouse.move(box.x + X0 - 30, box.y + y)
      await sleep(100)
      const counters0 = await readCounters(a.page, system.kind)
      const wire0 = await a.page.evaluate(connectionBytes, {
        kind: system.kind,
        peerId: String(bId),
      })
      await a.page.mouse.move(box.x + X0, box.y + y)
      await a.page.mouse.down()
      for (let k = 1; k < POINTS_PER_STROKE; k++) {
        await a.page.mouse.move(box.x + X0 + k * DX, box.y + y)
        await sleep(options.spacingMs)
      }
      await a.page.mouse.up()
      await sleep(400)
      const counters1 = await readCounters(a.page, system.kind)
      const wire1 = await a.page.evaluate(connectionBytes, {
        kind: system.kind,
        peerId: String(bId),
      })
      const delta = counterDelta([counters0], [counters1])
      strokes.push({
        points: POINTS_PER_STROKE,
        dataChannelBytes: delta.bytes,
        dataChannelMessages: delta.messages,
        byFirstByte: delta.byType,
        senderStats: delta.sender,
        transportBytesSent: wire0 && wire1 ? wire1.transportSent - wire0.transportSent : null,
        channelBytesSentStats: wire0 && wire1 ? wire1.channelSent - wire0.channelSent : null,
      })
    }
    await sleep(300)
    const found = await b.page.evaluate(() => {
      const ink = /** @type {any} */ (window).__benchInk
      ink.stop()
      return {
        found: /** @type {(number|null)[]} */ (ink.found),
        frames: /** @type {number} */ (ink.frames()),
      }
    })
    const events = await a.page.evaluate(
      () => /** @type {[number, number, number][]} */ (/** @type {any} */ (window).__benchPointer),
    )
    const latencies = []
    let missed = 0
    let unmatched = 0
    expected.forEach(([x, y], i) => {
      const event = events.find(
        ([, ex, ey]) => Math.abs(ex - (box.x + x)) < 0.6 && Math.abs(ey - (box.y + y)) < 0.6,
      )
      const detected = found.found[i]
      if (!event) unmatched++
      else if (detected === null || detected === undefined || detected < 0) missed++
      else latencies.push(detected - event[0])
    })
    return {
      latencies,
      missed,
      unmatched,
      strokes,
      expected: expected.length,
      watcherFrames: found.frames,
    }
  } finally {
    await closePeers(peers)
  }
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {Record<string, import('./mesh.mjs').System>} systems
 * @param {{strokes: number, spacingMs: number, timeoutMs: number, log: (m: string) => void}} options
 */
export async function measureStrokes(browser, systems, options) {
  /** @type {Record<string, any>} */
  const out = {}
  for (const system of [systems.peerboard, systems.raw]) {
    if (!system) continue
    try {
      const run = await strokeRun(browser, system, options)
      const perPoint = (/** @type {(s: any) => number | null} */ pick) =>
        summarize(
          run.strokes.map((s) => {
            const v = pick(s)
            return v === null ? null : v / s.points
          }),
          2,
        )
      // Stroke data = everything A sent except awareness frames (Peerboard frame type 1: the
      // cursor, re-sent on every pointer move); Peerboard sends live points and the commit in
      // its own frame types (sync 0, live 3, …), so nothing else is assumed about them.
      const awareness = (/** @type {any} */ s) =>
        system.kind === 'raw'
          ? { bytes: 0, messages: 0 }
          : (s.byFirstByte['1'] ?? { bytes: 0, messages: 0 })
      out[system.kind] = {
        strokes: options.strokes,
        pointsMeasured: run.latencies.length,
        pointsExpected: run.expected,
        pointsMissed: run.missed,
        eventsUnmatched: run.unmatched,
        latencyMs: summarize(run.latencies, 1),
        bytesPerPointLive: {
          strokeDataExcludingAwareness: perPoint((s) => s.dataChannelBytes - awareness(s).bytes),
          awarenessOnly: perPoint((s) => awareness(s).bytes),
          allDataChannelPayload: perPoint((s) => s.dataChannelBytes),
          transportBytesSent: perPoint((s) => s.transportBytesSent),
        },
        messagesPerStroke: summarize(
          run.strokes.map((s) => s.dataChannelMessages),
          1,
        ),
        strokeMessagesPerStroke: summarize(
          run.strokes.map((s) => s.dataChannelMessages - awareness(s).messages),
          1,
        ),
        perStroke: run.strokes.map((s) => ({
          dataChannelBytes: s.dataChannelBytes,
          messages: s.dataChannelMessages,
          byFirstByte: s.byFirstByte,
          transportBytesSent: s.transportBytesSent,
          senderStats: s.senderStats,
        })),
      }
      options.log(
        `stroke ${system.kind}: p50 ${out[system.kind].latencyMs.p50} p95 ${out[system.kind].latencyMs.p95} ms (${run.latencies.length}/${run.expected} points, ${run.missed} missed, ${run.unmatched} unmatched)`,
      )
    } catch (error) {
      out[system.kind] = { error: String(/** @type {Error} */ (error).message) }
      options.log(`stroke ${system.kind}: ${out[system.kind].error}`)
    }
  }
  return out
}
