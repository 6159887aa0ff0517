/**
 * The three systems under test behind one small interface: how to make a room URL, how to read
 * per-link timestamps from a page, and how a page's doc / connections are reached. All
 * timestamps are absolute (performance.timeOrigin + performance.now()), so they compare across
 * pages of one browser on one machine.
 */
import { randomBytes } from 'node:crypto'

/** @typedef {'peerboard' | 'ywebrtc' | 'raw'} Kind */

/**
 * @typedef {object} PageTimes
 * @property {number} timeOrigin
 * @property {number} start  app start (Peerboard: mark peerboard:start; baselines: first line of the page script)
 * @property {number | null} [join]  the join itself (Peerboard: mark peerboard:join, when signaling starts; y-webrtc: provider created; raw: relay socket opened)
 * @property {number} [joined] Peerboard: signaling join acknowledged
 * @property {Record<string, {open: number | null, synced: number | null}>} links by remote peer id
 */

const randomId = () => randomBytes(16).toString('base64url')

/** In-page: Peerboard's performance marks as absolute times. */
function peerboardTimes() {
  const origin = performance.timeOrigin
  const marks = performance.getEntriesByType('mark')
  const at = (/** @type {string} */ name) => {
    const mark = marks.find((entry) => entry.name === name)
    return mark ? origin + mark.startTime : null
  }
  /** @type {Record<string, {open: number | null, synced: number | null}>} */
  const links = {}
  for (const mark of marks) {
    const match = /^peerboard:(link-open|synced):(.+)$/.exec(mark.name)
    if (!match) continue
    const link = (links[/** @type {string} */ (match[2])] ??= { open: null, synced: null })
    const key = match[1] === 'link-open' ? 'open' : 'synced'
    link[key] ??= origin + mark.startTime
  }
  return {
    timeOrigin: origin,
    start: at('peerboard:start'),
    join: at('peerboard:join'),
    joined: at('peerboard:joined'),
    links,
  }
}

/** In-page: the baselines keep their own records. */
function benchTimes() {
  const bench = /** @type {any} */ (window).bench
  return bench ? bench.times() : null
}

/**
 * In-page: true once `expected` links have their `key` time. waitForFunction evaluates it in
 * the page on a timer, so waiting costs no round trip through the browser per check.
 */
function linksReached(/** @type {{kind: Kind, expected: number, key: 'open' | 'synced'}} */ arg) {
  if (arg.kind === 'peerboard') {
    const prefix = arg.key === 'open' ? 'peerboard:link-open:' : 'peerboard:synced:'
    const ids = new Set()
    for (const mark of performance.getEntriesByType('mark')) {
      if (mark.name.startsWith(prefix)) ids.add(mark.name.slice(prefix.length))
    }
    return ids.size >= arg.expected
  }
  const times = /** @type {any} */ (window).bench?.times()
  if (!times) return false
  const links = /** @type {{open: number | null, synced: number | null}[]} */ (
    Object.values(times.links)
  )
  return links.filter((link) => link[arg.key] !== null).length >= arg.expected
}

/** In-page: joins a page loaded with `hold` (every system exposes `join()`). */
function joinNow(/** @type {Kind} */ kind) {
  const w = /** @type {any} */ (window)
  if (kind === 'peerboard') w.peerboard.join()
  else w.bench.join()
}

/** In-page: true once the page's app is loaded (and, held, waiting for `join()`). */
function loaded(/** @type {Kind} */ kind) {
  const w = /** @type {any} */ (window)
  return kind === 'peerboard' ? Boolean(w.peerboard?.join) : Boolean(w.bench?.join)
}

/** In-page: this peer's own id as other peers know it. */
function selfId(/** @type {Kind} */ kind) {
  const w = /** @type {any} */ (window)
  if (kind === 'peerboard') return w.peerboard?.mesh.self ?? null
  if (kind === 'ywebrtc') return w.bench?.provider.room?.peerId ?? null
  return w.bench?.self ?? null
}

/**
 * @param {{peerboardUrl: string, benchUrl: string, relayUrl: string, signalingUrl: string}} urls
 */
export function makeSystems(urls) {
  /** @typedef {import('playwright-core').Page} Page */
  /**
   * Resolves once the page has `expected` links with their `key` time; rejects after `timeoutMs`.
   * @param {Kind} kind
   * @returns {(page: Page, expected: number, key: 'open' | 'synced', timeoutMs: number) => Promise<void>}
   */
  const reached = (kind) => async (page, expected, key, timeoutMs) => {
    await page.waitForFunction(
      linksReached,
      { kind, expected, key },
      { polling: 100, timeout: timeoutMs },
    )
  }
  /** @type {Record<Kind, {kind: Kind, newRoom(options?: {hold?: boolean}): string, times(page: Page): Promise<PageTimes | null>, reached(page: Page, expected: number, key: 'open' | 'synced', timeoutMs: number): Promise<void>, selfId(page: Page): Promise<string | null>, loaded(page: Page): Promise<boolean>, join(page: Page): Promise<void>}>} */
  const systems = {
    peerboard: {
      kind: 'peerboard',
      newRoom: (options) =>
        `${urls.peerboardUrl}/${options?.hold ? '?hold' : ''}#${randomId()}.${randomId()}`,
      times: (page) => page.evaluate(peerboardTimes),
      reached: reached('peerboard'),
      selfId: (page) => page.evaluate(selfId, 'peerboard'),
      loaded: (page) => page.evaluate(loaded, 'peerboard'),
      join: (page) => page.evaluate(joinNow, 'peerboard'),
    },
    ywebrtc: {
      kind: 'ywebrtc',
      newRoom: (options) =>
        `${urls.benchUrl}/ywebrtc.html?room=bench-${randomId()}&signaling=${encodeURIComponent(urls.signalingUrl)}${options?.hold ? '&hold' : ''}`,
      times: (page) => page.evaluate(benchTimes),
      reached: reached('ywebrtc'),
      selfId: (page) => page.evaluate(selfId, 'ywebrtc'),
      loaded: (page) => page.evaluate(loaded, 'ywebrtc'),
      join: (page) => page.evaluate(joinNow, 'ywebrtc'),
    },
    raw: {
      kind: 'raw',
      newRoom: (options) =>
        `${urls.benchUrl}/raw.html?room=raw-${randomId()}&relay=${encodeURIComponent(urls.relayUrl)}${options?.hold ? '&hold' : ''}`,
      times: (page) => page.evaluate(benchTimes),
      reached: reached('raw'),
      selfId: (page) => page.evaluate(selfId, 'raw'),
      loaded: (page) => page.evaluate(loaded, 'raw'),
      join: (page) => page.evaluate(joinNow, 'raw'),
    },
  }
  return systems
}
