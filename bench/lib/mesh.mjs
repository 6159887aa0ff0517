/** Opening N peers of one system concurrently and waiting for the full mesh. */
import { openPeer } from './browser.mjs'

export const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * @typedef {{context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, logs: string[]}} Peer
 * @typedef {ReturnType<typeof import('./systems.mjs').makeSystems>[keyof ReturnType<typeof import('./systems.mjs').makeSystems>]} System
 */

/**
 * Opens `n` peers of `system` in one new room, all contexts at once.
 * @param {import('playwright-core').Browser} browser
 * @param {System} system
 * @param {number} n
 * @param {string} [room]
 */
export async function openPeers(browser, system, n, room = system.newRoom()) {
  const peers = await Promise.all(Array.from({ length: n }, () => openPeer(browser, room)))
  return { room, peers }
}

/**
 * Waits until every page has `expected` links synced (Peerboard: sync step 2 received;
 * y-webrtc: conn.synced; raw: channel open), or only open when `until` is 'open'. Throws on
 * timeout, and early when every link is open but some stay unsynced for `stuckMs` (a sync that
 * never completes would otherwise cost the whole timeout). The error carries the times.
 * @param {System} system
 * @param {Peer[]} peers
 * @param {number} expected
 * @param {number} timeoutMs
 * @param {{until?: 'synced' | 'open', stuckMs?: number}} [options]
 */
export async function waitMesh(system, peers, expected, timeoutMs, options = {}) {
  const until = options.until ?? 'synced'
  const deadline = Date.now() + timeoutMs
  let allOpenSince = null
  // Each page waits in itself; the loop below only reads the times for the stuck check, twice
  // a second. Reading every page every 50 ms cost a quarter of a core with 8 pages (machine
  // 27% busy without it, 54% with it): load on the very cores whose setup is being timed.
  let ready = false
  const allReady = Promise.all(
    peers.map((peer) => system.reached(peer.page, expected, until, timeoutMs)),
  ).then(
    () => (ready = true),
    () => (ready = true),
  )
  for (;;) {
    const all = await Promise.all(peers.map((peer) => system.times(peer.page).catch(() => null)))
    const count = (/** @type {'open' | 'synced'} */ key) =>
      all.map((times) =>
        times ? Object.values(times.links).filter((link) => link[key] !== null).length : 0,
      )
    const synced = count(until)
    if (synced.every((n) => n >= expected)) return all
    const open = count('open')
    if (open.every((n) => n >= expected)) allOpenSince ??= Date.now()
    else allOpenSince = null
    const stuck =
      options.stuckMs !== undefined &&
      allOpenSince !== null &&
      Date.now() - allOpenSince > options.stuckMs
    if (stuck || Date.now() > deadline) {
      const error = new Error(
        `${system.kind}: ${peers.length} peer(s) not ${until} ${stuck ? `${options.stuckMs} ms after every link opened` : `after ${timeoutMs} ms`} (${until} links per peer: ${synced.join(',')}; open: ${open.join(',')})`,
      )
      Object.assign(error, { times: all, stuck })
      throw error
    }
    await (ready ? sleep(50) : Promise.race([allReady, sleep(500)]))
  }
}

/** @param {Peer[]} peers */
export async function closePeers(peers) {
  await Promise.all(peers.map((peer) => peer.context.close().catch(() => undefined)))
}

/**
 * Sums the send counters of a page: the in-page RTCDataChannel.send wrapper and, for
 * Peerboard, mesh.senderStats over all peers.
 * @param {import('playwright-core').Page} page
 * @param {string} kind
 */
export function readCounters(page, kind) {
  return page.evaluate((kind) => {
    const w = /** @type {any} */ (window)
    const sends = w.__benchSends ?? { messages: 0, bytes: 0, byType: {} }
    let sender = null
    if (kind === 'peerboard' && w.peerboard) {
      sender = { frames: 0, messages: 0, bytes: 0 }
      for (const peer of w.peerboard.mesh.peers()) {
        const stats = w.peerboard.mesh.senderStats(peer.id)
        if (!stats) continue
        sender.frames += stats.frames
        sender.messages += stats.messages
        sender.bytes += stats.bytes
      }
    }
    return { sends: JSON.parse(JSON.stringify(sends)), sender }
  }, kind)
}

/**
 * after − before for counter snapshots (summed over pages).
 * @param {Awaited<ReturnType<typeof readCounters>>[]} before
 * @param {Awaited<ReturnType<typeof readCounters>>[]} after
 */
export function counterDelta(before, after) {
  const out = {
    messages: 0,
    bytes: 0,
    /** @type {Record<string, {messages: number, bytes: number}>} */
    byType: {},
    /** @type {{frames: number, messages: number, bytes: number} | null} */
    sender: null,
  }
  after.forEach((a, i) => {
    const b = before[i]
    if (!b) return
    out.messages += a.sends.messages - b.sends.messages
    out.bytes += a.sends.bytes - b.sends.bytes
    for (const [type, entry] of Object.entries(a.sends.byType)) {
      const prev = b.sends.byType[type] ?? { messages: 0, bytes: 0 }
      const slot = (out.byType[type] ??= { messages: 0, bytes: 0 })
      slot.messages += entry.messages - prev.messages
      slot.bytes += entry.bytes - prev.bytes
    }
    if (a.sender && b.sender) {
      out.sender ??= { frames: 0, messages: 0, bytes: 0 }
      out.sender.frames += a.sender.frames - b.sender.frames
      out.sender.messages += a.sender.messages - b.sender.messages
      out.sender.bytes += a.sender.bytes - b.sender.bytes
    }
  })
  return out
}
