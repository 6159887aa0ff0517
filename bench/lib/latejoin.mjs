/**
 * Metric 4 (late-join sync) and the stored half of metric 5.
 *
 * Peerboard: page A alone in a room generates `count` strokes through its own Board model
 * (beginStroke({color:'#1e1e1e', size:2}, {pressure:false}) → append(50 points) → commit(), one
 * stroke per call as the pen does, in batches per page.evaluate). Every update A's doc emits is
 * captured and replayed into a Y.Doc in Node, whose Y.encodeStateAsUpdate is the stored state.
 * y-webrtc: page A applies exactly that state (the same Yjs document: same `shapes` and `live`
 * maps, same bytes), so both systems sync an identical board.
 *
 * Then late joiners arrive one at a time (fresh context each); per joiner: time from its app
 * start to synced with A, and bytes received on its RTCPeerConnection to A (getStats
 * data-channel and transport bytesReceived). A joiner that is not synced in time counts as
 * completed:false.
 */
import * as Y from 'yjs'
import { openPeer } from './browser.mjs'
import { sleep, waitMesh } from './mesh.mjs'
import { round, summarize } from './stats.mjs'

export const POINTS_PER_STROKE = 50

/** In-page on Peerboard A: capture every doc update from now on. */
function captureUpdates() {
  const w = /** @type {any} */ (window)
  /** @type {Uint8Array[]} */
  const updates = []
  w.__benchUpdates = updates
  w.peerboard.doc.on('update', (/** @type {Uint8Array} */ update) => updates.push(update))
}

/** In-page on Peerboard A: strokes [from, from+count) of the benchmark board. */
function generateStrokes(/** @type {{from: number, count: number, points: number}} */ options) {
  const { board } = /** @type {any} */ (window).peerboard
  const t0 = performance.now()
  for (let i = options.from; i < options.from + options.count; i++) {
    const stroke = board.beginStroke({ color: '#1e1e1e', size: 2 }, { pressure: false })
    const points = []
    // A wavy line of mouse-like samples (2 px apart), 50 strokes per row.
    const x0 = 20 + (i % 50) * 19
    const y0 = 20 + Math.floor(i / 50) * 14
    for (let k = 0; k < options.points; k++) {
      points.push(x0 + k * 2, y0 + Math.sin(k / 4) * 5, 0.5)
    }
    stroke.append(points)
    stroke.commit()
  }
  return performance.now() - t0
}

/** In-page: the captured updates, length-prefixed, base64. */
function exportUpdates() {
  const updates = /** @type {Uint8Array[]} */ (/** @type {any} */ (window).__benchUpdates)
  let total = 0
  for (const update of updates) total += 4 + update.length
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  let offset = 0
  for (const update of updates) {
    view.setUint32(offset, update.length)
    out.set(update, offset + 4)
    offset += 4 + update.length
  }
  let binary = ''
  for (let i = 0; i < out.length; i += 0x8000) {
    binary += String.fromCharCode(...out.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/** In-page on y-webrtc A: apply the given state. */
function applyState(/** @type {string} */ base64) {
  const { Y, doc } = /** @type {any} */ (window).bench
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  Y.applyUpdate(doc, bytes)
  return doc.getMap('shapes').size
}

/** In-page on a joiner: bytes received from A and whether the board is complete. */
async function joinerReport(/** @type {{kind: string, peerId: string}} */ { kind, peerId }) {
  const w = /** @type {any} */ (window)
  const pc =
    kind === 'peerboard' ? w.peerboard.mesh.connectionTo(peerId) : w.bench.connectionTo(peerId)
  let channelReceived = null
  let transportReceived = null
  if (pc) {
    channelReceived = 0
    transportReceived = 0
    const stats = await pc.getStats()
    stats.forEach((/** @type {any} */ report) => {
      if (report.type === 'transport') transportReceived += report.bytesReceived ?? 0
      if (report.type === 'data-channel') channelReceived += report.bytesReceived ?? 0
    })
  }
  const shapes = kind === 'peerboard' ? w.peerboard.board.size : w.bench.doc.getMap('shapes').size
  return { channelReceived, transportReceived, shapes, receive: { ...w.__benchReceive } }
}

/** In-page on A: bytes sent on the connection to `peerId`. */
async function senderReport(/** @type {{kind: string, peerId: string}} */ { kind, peerId }) {
  const w = /** @type {any} */ (window)
  const pc =
    kind === 'peerboard' ? w.peerboard.mesh.connectionTo(peerId) : w.bench.connectionTo(peerId)
  if (!pc) return null
  let channelSent = 0
  let transportSent = 0
  const stats = await pc.getStats()
  stats.forEach((/** @type {any} */ report) => {
    if (report.type === 'transport') transportSent += report.bytesSent ?? 0
    if (report.type === 'data-channel') channelSent += report.bytesSent ?? 0
  })
  return { channelSent, transportSent }
}

/**
 * Builds the board on a Peerboard page A; returns the state bytes for the y-webrtc run.
 * @param {import('playwright-core').Page} page
 * @param {number} count
 */
async function buildPeerboardBoard(page, count) {
  await page.waitForFunction(() => Boolean(/** @type {any} */ (window).peerboard))
  await page.evaluate(captureUpdates)
  let generateMs = 0
  const batch = 500
  for (let from = 0; from < count; from += batch) {
    generateMs += await page.evaluate(generateStrokes, {
      from,
      count: Math.min(batch, count - from),
      points: POINTS_PER_STROKE,
    })
  }
  const base64 = await page.evaluate(exportUpdates)
  const packed = Buffer.from(base64, 'base64')
  const doc = new Y.Doc()
  let updates = 0
  for (let offset = 0; offset < packed.length;) {
    const length = packed.readUInt32BE(offset)
    Y.applyUpdate(doc, packed.subarray(offset + 4, offset + 4 + length))
    offset += 4 + length
    updates++
  }
  const state = Y.encodeStateAsUpdate(doc)
  const shapes = doc.getMap('shapes').size
  doc.destroy()
  return { state, shapes, updates, generateMs }
}

/**
 * In-page on a Peerboard joiner: waits (every animation frame) until the board is painted in
 * full; returns when the first ink showed and when painting ended, as absolute times.
 */
function paintTimes() {
  const w = /** @type {any} */ (window)
  const deadline = performance.now() + 20_000
  return new Promise((resolve) => {
    const check = () => {
      const renderer = w.peerboard.app.renderer
      if (renderer && renderer.firstInkAt !== null && !renderer.painting) {
        const origin = performance.timeOrigin
        resolve({ firstInk: origin + renderer.firstInkAt, allInk: origin + performance.now() })
      } else if (performance.now() > deadline) resolve(null)
      else requestAnimationFrame(check)
    }
    check()
  })
}

/**
 * Joiners one after another against A (y-webrtc: stops after the first failure, which is
 * deterministic there and costs the whole timeout).
 * @param {import('playwright-core').Browser} browser
 * @param {import('./mesh.mjs').System} system
 * @param {string} room
 * @param {import('playwright-core').Page} a  the page that holds the board
 * @param {string} aId
 * @param {number} count
 * @param {{joiners: number, timeoutMs: number, stuckMs: number, breakOnFailure: boolean}} options
 */
async function lateJoiners(browser, system, room, a, aId, count, options) {
  const results = []
  for (let j = 0; j < options.joiners; j++) {
    const joiner = await openPeer(browser, room, { receiveTiming: true })
    try {
      let completed = true
      let error = null
      try {
        await waitMesh(system, [joiner], 1, options.timeoutMs, { stuckMs: options.stuckMs })
      } catch (caught) {
        completed = false
        error = String(/** @type {Error} */ (caught).message)
      }
      const paint =
        completed && system.kind === 'peerboard' ? await joiner.page.evaluate(paintTimes) : null
      const times = await system.times(joiner.page)
      const link = times?.links[aId]
      const report = await joiner.page.evaluate(joinerReport, { kind: system.kind, peerId: aId })
      const joinerId = await system.selfId(joiner.page)
      const sent = joinerId
        ? await a.evaluate(senderReport, { kind: system.kind, peerId: joinerId }).catch(() => null)
        : null
      results.push({
        completed: completed && report.shapes === count,
        error,
        syncMs: completed && times && link?.synced ? link.synced - times.start : null,
        openMs: times && link?.open ? link.open - times.start : null,
        // Split of open → synced: wait for the first big chunk, the transfer, then the handling
        // (reassembly, decode, apply, observers) from the last chunk to the synced time.
        openToFirstChunkMs:
          link?.open && report.receive.firstBig ? report.receive.firstBig - link.open : null,
        transferMs:
          report.receive.firstBig && report.receive.lastBig
            ? report.receive.lastBig - report.receive.firstBig
            : null,
        lastChunkToSyncedMs:
          completed && link?.synced && report.receive.lastBig
            ? link.synced - report.receive.lastBig
            : null,
        lastChunkHandlerMs: report.receive.lastBigHandlerMs,
        // What the person sees: the board's first ink, and all of it, after the sync.
        syncedToFirstInkMs: paint && link?.synced ? paint.firstInk - link.synced : null,
        syncedToAllInkMs: paint && link?.synced ? paint.allInk - link.synced : null,
        // A's side of the same connection: data-channel vs transport bytes sent.
        bytesSentByADataChannel: sent?.channelSent ?? null,
        bytesSentByATransport: sent?.transportSent ?? null,
        bytesReceivedDataChannel: report.channelReceived,
        bytesReceivedTransport: report.transportReceived,
        shapesOnJoiner: report.shapes,
        logs: joiner.logs.slice(0, 3),
      })
    } finally {
      await joiner.context.close().catch(() => undefined)
    }
    if (options.breakOnFailure && !results[results.length - 1]?.completed) break
    await sleep(500)
  }
  return results
}

/** @param {any[]} joins @param {number} timeoutMs */
function summarizeJoins(joins, timeoutMs) {
  const done = joins.filter((j) => j.completed)
  return {
    completed: joins.length > 0 && done.length === joins.length,
    joiners: joins.length,
    joinersCompleted: done.length,
    timeoutMs,
    syncMs: summarize(joins.map((j) => (j.completed ? j.syncMs : Infinity))),
    linkOpenMs: summarize(joins.map((j) => j.openMs)),
    openToFirstChunkMs: summarize(joins.map((j) => j.openToFirstChunkMs)),
    transferMs: summarize(joins.map((j) => j.transferMs)),
    lastChunkToSyncedMs: summarize(joins.map((j) => j.lastChunkToSyncedMs)),
    syncedToFirstInkMs: summarize(joins.map((j) => j.syncedToFirstInkMs)),
    syncedToAllInkMs: summarize(joins.map((j) => j.syncedToAllInkMs)),
    bytesReceivedDataChannel: summarize(
      joins.map((j) => j.bytesReceivedDataChannel),
      0,
    ),
    bytesReceivedTransport: summarize(
      joins.map((j) => j.bytesReceivedTransport),
      0,
    ),
    bytesSentByATransport: summarize(
      joins.map((j) => j.bytesSentByATransport),
      0,
    ),
    perJoiner: joins,
  }
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {Record<string, import('./mesh.mjs').System>} systems
 * @param {{counts: number[], joiners: Record<number, number>, timeoutMs: number, ywebrtcTimeoutMs: number, stuckMs: number, log: (m: string) => void, budget: (count: number) => boolean}} options
 */
export async function measureLateJoin(browser, systems, options) {
  /** @type {Record<string, Record<string, any>>} */
  const out = { peerboard: {}, ywebrtc: {} }
  for (const count of options.counts) {
    if (!options.budget(count)) continue
    const key = `${count}strokes`
    const pb = systems.peerboard
    const room = pb.newRoom()
    const a = await openPeer(browser, room)
    /** @type {Uint8Array | null} */
    let state = null
    try {
      const built = await buildPeerboardBoard(a.page, count)
      state = built.state
      const aId = /** @type {string} */ (await pb.selfId(a.page))
      // Let y-indexeddb finish writing before the joiners add their load.
      await sleep(1000)
      const joins = await lateJoiners(browser, pb, room, a.page, aId, count, {
        joiners: options.joiners[count] ?? 1,
        timeoutMs: options.timeoutMs,
        stuckMs: options.stuckMs,
        breakOnFailure: false,
      })
      out.peerboard[key] = {
        strokes: count,
        pointsPerStroke: POINTS_PER_STROKE,
        generateMsOnA: round(built.generateMs, 0),
        generateMsPer1000Strokes: round((built.generateMs / count) * 1000, 0),
        updatesEmittedOnA: built.updates,
        shapesInStoredState: built.shapes,
        storedStateBytes: built.state.length,
        storedBytesPerPoint: round(built.state.length / (count * POINTS_PER_STROKE), 2),
        ...summarizeJoins(joins, options.timeoutMs),
      }
      options.log(
        `late join peerboard ${count}: ${out.peerboard[key].completed ? `synced p50 ${out.peerboard[key].syncMs.p50} ms` : 'NOT completed'}, state ${built.state.length} B, generation ${round(built.generateMs, 0)} ms`,
      )
    } catch (error) {
      out.peerboard[key] = { strokes: count, error: String(/** @type {Error} */ (error).message) }
      options.log(`late join peerboard ${count}: ${out.peerboard[key].error}`)
    } finally {
      await a.context.close().catch(() => undefined)
    }

    const yw = systems.ywebrtc
    if (!state || !yw) continue
    const yroom = yw.newRoom()
    const ya = await openPeer(browser, yroom)
    try {
      await ya.page.waitForFunction(() => Boolean(/** @type {any} */ (window).bench?.provider.room))
      const shapes = await ya.page.evaluate(applyState, Buffer.from(state).toString('base64'))
      const aId = /** @type {string} */ (await yw.selfId(ya.page))
      const joins = await lateJoiners(browser, yw, yroom, ya.page, aId, count, {
        joiners: options.joiners[count] ?? 1,
        timeoutMs: options.ywebrtcTimeoutMs,
        stuckMs: options.stuckMs,
        breakOnFailure: true,
      })
      out.ywebrtc[key] = {
        strokes: count,
        content: 'the Peerboard-generated Yjs state, applied with Y.applyUpdate on A',
        stateBytes: state.length,
        shapesOnA: shapes,
        ...summarizeJoins(joins, options.ywebrtcTimeoutMs),
      }
      options.log(
        `late join ywebrtc ${count}: ${out.ywebrtc[key].completed ? `synced p50 ${out.ywebrtc[key].syncMs.p50} ms` : 'NOT completed'}`,
      )
    } catch (error) {
      out.ywebrtc[key] = { strokes: count, error: String(/** @type {Error} */ (error).message) }
      options.log(`late join ywebrtc ${count}: ${out.ywebrtc[key].error}`)
    } finally {
      await ya.context.close().catch(() => undefined)
    }
  }
  return out
}
