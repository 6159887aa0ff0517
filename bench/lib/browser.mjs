/**
 * One headless Chromium for the whole run, one context per peer (separate storage and no
 * BroadcastChannel shortcut between peers). Flags shared with the tests (tests/helpers/chromium.mjs).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/helpers/chromium.mjs'

export { CHROMIUM_ARGS, CHROMIUM_PATH }

export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium)`)
  }
  // Playwright gives launch() a fresh temporary profile (it refuses --user-data-dir here).
  return chromium.launch({ executablePath: unboosted(), args: CHROMIUM_ARGS, headless: true })
}

const SETPRIV = '/usr/bin/setpriv'

/** `PEERBOARD_BENCH_BOOSTED=1` keeps Chromium's own priorities, to compare with runs before. */
const dropsNice = () =>
  process.getuid?.() === 0 && existsSync(SETPRIV) && !process.env.PEERBOARD_BENCH_BOOSTED

/** For the summary: how Chromium's threads were scheduled in this run. */
export function chromiumPriority() {
  if (dropsNice()) return 'nice 0: started without CAP_SYS_NICE (setpriv)'
  return process.getuid?.() === 0
    ? 'as Chromium sets it: root, so its busiest threads at nice -8'
    : 'as Chromium sets it: not root, so nice 0'
}

let wrapper = /** @type {string | null} */ (null)

/**
 * Chromium run as root (as here and on CI) raises its own threads' priority, which it cannot do
 * as a normal user: renderer main threads, compositors, IO and WebRTC threads run at nice -8.
 * Eight pages of it then starve the signaling servers and the relay, which run at nice 0 on
 * the same two cores: in an 8-page join a server answered the pages' connects 0.4-1 s late
 * (alone, in 40 ms), and an idle Node process next to them missed its timers by up to 0.8 s.
 * Started without CAP_SYS_NICE (util-linux setpriv), every thread stays at nice 0, as on a
 * user's machine, and the servers, which would run elsewhere, get their share.
 */
function unboosted() {
  if (!dropsNice()) return CHROMIUM_PATH
  if (!wrapper) {
    const dir = mkdtempSync(path.join(tmpdir(), 'peerboard-chromium-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    const quoted = `'${CHROMIUM_PATH.replaceAll("'", `'\\''`)}'`
    wrapper = path.join(dir, 'chromium')
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec ${SETPRIV} --bounding-set -sys_nice -- ${quoted} "$@"\n`,
    )
    chmodSync(wrapper, 0o755)
  }
  return wrapper
}

/**
 * Counts every data-channel message a page sends, by its first byte (Peerboard: frame type;
 * y-webrtc: message type; strings: "text"). Installed before any page script runs.
 */
function installSendCounter() {
  const counter = {
    messages: 0,
    bytes: 0,
    byType: /** @type {Record<string, {messages: number, bytes: number}>} */ ({}),
  }
  const send = RTCDataChannel.prototype.send
  RTCDataChannel.prototype.send = function (data) {
    let type = 'text'
    let bytes
    if (typeof data === 'string') bytes = new TextEncoder().encode(data).length
    else if (data instanceof Blob) {
      type = 'blob'
      bytes = data.size
    } else {
      const view = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data)
      type = String(view[0] ?? 'empty')
      bytes = view.byteLength
    }
    // Counted only when the browser accepted the message.
    const result = send.call(this, /** @type {any} */ (data))
    counter.messages++
    counter.bytes += bytes
    const entry = (counter.byType[type] ??= { messages: 0, bytes: 0 })
    entry.messages++
    entry.bytes += bytes
    return result
  }
  Object.defineProperty(window, '__benchSends', { value: counter })
}

/**
 * Records when large data-channel messages arrive (≥ 8 KiB: chunks of a big sync) and how long
 * the page's own message handler took for them; for the late joiner's transfer/apply split.
 * Wraps the `onmessage` setter (simple-peer, as used by y-webrtc, sets it) and 'message'
 * listeners added with addEventListener (Peerboard reads its channels that way). Such a
 * listener can no longer be removed by reference; neither page removes one.
 */
function installReceiveTiming() {
  const timing = { messages: 0, bytes: 0, firstBig: null, lastBig: null, lastBigHandlerMs: null }
  const wrap = (/** @type {(this: RTCDataChannel, event: MessageEvent) => unknown} */ handler) =>
    /** @this {RTCDataChannel} */
    function (/** @type {MessageEvent} */ event) {
      const t0 = performance.now()
      const size = typeof event.data === 'string' ? event.data.length : (event.data.byteLength ?? 0)
      handler.call(this, event)
      timing.messages++
      timing.bytes += size
      if (size >= 8192) {
        const at = performance.timeOrigin + t0
        timing.firstBig ??= at
        timing.lastBig = at
        timing.lastBigHandlerMs = performance.now() - t0
      }
    }
  const descriptor = /** @type {PropertyDescriptor} */ (
    Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'onmessage')
  )
  Object.defineProperty(RTCDataChannel.prototype, 'onmessage', {
    configurable: true,
    get() {
      return descriptor.get?.call(this)
    },
    set(handler) {
      descriptor.set?.call(this, typeof handler === 'function' ? wrap(handler) : handler)
    },
  })
  const addEventListener = RTCDataChannel.prototype.addEventListener
  RTCDataChannel.prototype.addEventListener = function (
    /** @type {string} */ type,
    /** @type {any} */ listener,
    /** @type {any} */ options,
  ) {
    const wrapped = type === 'message' && typeof listener === 'function' ? wrap(listener) : listener
    return addEventListener.call(this, type, wrapped, options)
  }
  Object.defineProperty(window, '__benchReceive', { value: timing })
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {{receiveTiming?: boolean}} [options]
 */
export async function newPerson(browser, options = {}) {
  const context = await browser.newContext({
    permissions: ['microphone'],
    viewport: { width: 1000, height: 700 },
    deviceScaleFactor: 1,
  })
  await context.addInitScript(installSendCounter)
  if (options.receiveTiming) await context.addInitScript(installReceiveTiming)
  return context
}

/**
 * Opens `url` in a fresh context; records console errors for the report.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{receiveTiming?: boolean}} [options]
 */
export async function openPeer(browser, url, options = {}) {
  const context = await newPerson(browser, options)
  const page = await context.newPage()
  /** @type {string[]} */
  const logs = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      logs.push(`[${message.type()}] ${message.text()}`.slice(0, 300))
    }
  })
  page.on('pageerror', (error) => logs.push(`[pageerror] ${error.message}`.slice(0, 300)))
  await page.goto(url)
  return { context, page, logs }
}
