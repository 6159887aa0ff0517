/**
 * Voice: time from `Join voice` to the first audio bytes at each peer, and the CPU a page
 * spends in a voice call. Peerboard only (the baselines have no voice).
 *
 * Join latency: in an N-peer room where N−1 peers are already in voice, peer 0 clicks Join
 * voice; t0 = its `peerboard:voice-join` mark (set when the click reaches the app, before
 * getUserMedia). Each other page polls getStats of its audio receiver from peer 0 every 25 ms;
 * in the first report whose bytesReceived exceeds what it was before the click, the arrival of
 * the newest packet (lastPacketReceivedTimestamp) is the time taken ("heard": they hear
 * the joiner); peer 0 does the same for each of them ("hears": the joiner hears them, which also
 * needs their replaceTrack after its awareness update, and which counts from its own
 * `peerboard:voice-on` at the earliest: nothing plays before the microphone is granted). Then
 * peer 0 leaves, and after a pause (so no packet is in flight) the next round starts. Times
 * are absolute (timeOrigin + now), comparable across pages of one browser.
 *
 * CPU: Chromium's CDP Performance.getMetrics per page (each context is its own renderer
 * process): ProcessTime (the whole renderer process: main thread, WebRTC and audio threads)
 * and TaskDuration (main-thread tasks), as a share of one core over a window of wall time,
 * with all N in voice, then with all N muted (DTX) and with nobody in voice. Audio playout runs
 * in Chromium's audio service process, which is not part of any page's number.
 */
import { closePeers, openPeers, sleep, waitMesh } from './mesh.mjs'
import { round, summarize } from './stats.mjs'

/** In-page: start watching inbound audio bytes from `peers`; resolves absolute first-byte times. */
async function armFirstBytes(/** @type {string[]} */ peers) {
  const { mesh } = /** @type {any} */ (window).peerboard
  const receiverOf = (/** @type {string} */ id) =>
    mesh
      .connectionTo(id)
      ?.getTransceivers()
      .find((/** @type {RTCRtpTransceiver} */ t) => t.receiver.track.kind === 'audio')?.receiver
  const inbound = async (/** @type {RTCRtpReceiver | undefined} */ receiver) => {
    let bytes = 0
    /** @type {number | null} */
    let lastPacketAt = null
    if (!receiver) return { bytes, lastPacketAt }
    ;(await receiver.getStats()).forEach((/** @type {any} */ report) => {
      if (report.type !== 'inbound-rtp') return
      bytes += report.bytesReceived ?? 0
      if (typeof report.lastPacketReceivedTimestamp === 'number') {
        lastPacketAt = Math.max(lastPacketAt ?? 0, report.lastPacketReceivedTimestamp)
      }
    })
    return { bytes, lastPacketAt }
  }
  const bytesOf = async (/** @type {RTCRtpReceiver | undefined} */ receiver) =>
    (await inbound(receiver)).bytes
  // Audio from the last round may still arrive (a sender stops only once it sees the leave):
  // bytes counted now would be dated before the click. Wait until nothing arrives for 600 ms.
  const quietSince = new Map(peers.map((id) => [id, { bytes: -1, at: performance.now() }]))
  const settleBy = performance.now() + 10_000
  while (performance.now() < settleBy) {
    let quiet = true
    for (const id of peers) {
      const bytes = await bytesOf(receiverOf(id))
      const last = /** @type {{bytes: number, at: number}} */ (quietSince.get(id))
      if (bytes !== last.bytes) quietSince.set(id, { bytes, at: performance.now() })
      if (bytes !== last.bytes || performance.now() - last.at < 600) quiet = false
    }
    if (quiet) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  // Baselines next (the caller waits for them), then the polling runs on in the page.
  return Promise.all(
    peers.map(async (id) => {
      const receiver = receiverOf(id)
      return { id, receiver, before: await bytesOf(receiver) }
    }),
  ).then((baselines) => {
    const watch = async (
      /** @type {RTCRtpReceiver | undefined} */ receiver,
      /** @type {number} */ before,
    ) => {
      const deadline = performance.now() + 8000
      for (;;) {
        const now = performance.timeOrigin + performance.now()
        const { bytes, lastPacketAt } = await inbound(receiver)
        // Chromium caches a connection's stats for 50 ms, so a report may be older than the
        // poll that reads it. Its newest packet's arrival (same clock as timeOrigin + now) is
        // when those bytes were there: never before the first packet, and not delayed by the
        // cache or the polling. Polling faster than the cache refreshes only adds load.
        if (bytes > before) return lastPacketAt !== null && lastPacketAt <= now ? lastPacketAt : now
        if (performance.now() > deadline) return null
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
    const results = Promise.all(
      baselines.map(async ({ id, receiver, before }) => [id, await watch(receiver, before)]),
    )
    Object.assign(window, { __voiceFirstBytes: results.then(Object.fromEntries) })
  })
}

/** In-page: the last mark of that name as an absolute time. */
function markTime(/** @type {string} */ name) {
  const marks = performance.getEntriesByName(name)
  const last = marks[marks.length - 1]
  return last ? performance.timeOrigin + last.startTime : null
}

/** In-page: outbound audio bytes summed over every link. */
async function outboundAudioBytes() {
  const { mesh } = /** @type {any} */ (window).peerboard
  let bytes = 0
  for (const peer of mesh.peers()) {
    const pc = mesh.connectionTo(peer.id)
    if (!pc) continue
    ;(await pc.getStats()).forEach((/** @type {any} */ report) => {
      if (report.type === 'outbound-rtp' && report.kind === 'audio') bytes += report.bytesSent ?? 0
    })
  }
  return bytes
}

const button = (/** @type {import('playwright-core').Page} */ page, /** @type {string} */ name) =>
  page.getByRole('button', { name, exact: true })

/** Loaded machines make every step slow: wait generously, never on a fixed delay. */
const STEP_TIMEOUT_MS = 60_000

/** @param {import('playwright-core').Page} page @param {string} status */
const waitStatus = (page, status) =>
  page.waitForFunction(
    (wanted) => /** @type {any} */ (window).peerboard.voice.snapshot.status === wanted,
    status,
    // Interval polling: requestAnimationFrame starves on a loaded machine with six pages.
    { timeout: STEP_TIMEOUT_MS, polling: 100 },
  )

/** Runs `step`; a failure names the step and what every page's voice looked like then. */
async function labelled(
  /** @type {string} */ what,
  /** @type {import('playwright-core').Page[]} */ pages,
  /** @type {() => Promise<unknown>} */ step,
) {
  try {
    return await step()
  } catch (error) {
    const states = await Promise.all(
      pages.map((page) =>
        Promise.race([
          page.evaluate(() => /** @type {any} */ (window).peerboard.voice.snapshot.status),
          sleep(5000).then(() => 'unresponsive'),
        ]).catch(() => 'closed'),
      ),
    )
    throw new Error(
      `${what}: ${String(error).split('\n')[0]} (voice per page: ${states.join(',')})`,
      { cause: error },
    )
  }
}

async function join(/** @type {import('playwright-core').Page} */ page) {
  await button(page, 'Join voice').click({ timeout: STEP_TIMEOUT_MS })
  await waitStatus(page, 'on')
}

async function leave(/** @type {import('playwright-core').Page} */ page) {
  await button(page, 'Leave voice').click({ timeout: STEP_TIMEOUT_MS })
  await waitStatus(page, 'off')
}

/**
 * CPU shares (% of one core) of each page over `windowMs`, plus outbound audio kbit/s per link.
 * @param {{page: import('playwright-core').Page, context: import('playwright-core').BrowserContext}[]} peers
 * @param {number} windowMs
 */
async function cpuWindow(peers, windowMs) {
  const sessions = await Promise.all(
    peers.map(async (peer) => {
      const cdp = await peer.context.newCDPSession(peer.page)
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
      return cdp
    }),
  )
  const read = () =>
    Promise.all(
      sessions.map(async (cdp, i) => {
        const { metrics } = await cdp.send('Performance.getMetrics')
        const get = (/** @type {string} */ name) =>
          metrics.find((/** @type {{name: string}} */ m) => m.name === name)?.value ?? null
        return {
          wall: Date.now(),
          process: get('ProcessTime'),
          task: get('TaskDuration'),
          bytes: await peers[i]?.page.evaluate(outboundAudioBytes),
        }
      }),
    )
  const before = await read()
  await sleep(windowMs)
  const after = await read()
  await Promise.all(sessions.map((cdp) => cdp.detach().catch(() => undefined)))
  const links = peers.length - 1
  return after.map((a, i) => {
    const b = /** @type {(typeof before)[number]} */ (before[i])
    const seconds = (a.wall - b.wall) / 1000
    const share = (/** @type {number | null} */ x, /** @type {number | null} */ y) =>
      x === null || y === null ? null : round((100 * (x - y)) / seconds, 1)
    return {
      processCpuPercent: share(a.process, b.process),
      mainThreadPercent: share(a.task, b.task),
      sentKbpsPerLink: round((((a.bytes ?? 0) - (b.bytes ?? 0)) * 8) / 1000 / seconds / links, 1),
    }
  })
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {import('./mesh.mjs').System} system  Peerboard
 * @param {{sizes: number[], rounds: Record<number, number>, cpuWindowMs: number, timeoutMs: number, log: (m: string) => void, budget: (what: string) => boolean}} options
 */
export async function measureVoice(browser, system, options) {
  /** @type {Record<string, any>} */
  const out = {}
  for (const n of options.sizes) {
    if (!options.budget(`voice with ${n} peers (time budget)`)) continue
    options.log(`voice: ${n} peers`)
    const { peers } = await openPeers(browser, system, n)
    try {
      await waitMesh(system, peers, n - 1, options.timeoutMs)
      const ids = await Promise.all(peers.map((peer) => system.selfId(peer.page)))
      const [joiner, ...others] = peers
      if (!joiner) continue
      const joinerId = /** @type {string} */ (ids[0])
      const otherIds = /** @type {string[]} */ (ids.slice(1))
      const pages = peers.map((peer) => peer.page)
      for (const [i, peer] of others.entries()) {
        await labelled(`peer ${i + 1} joins`, pages, () => join(peer.page))
      }
      await sleep(1500)
      /** @type {number[]} */
      const heard = []
      /** @type {number[]} */
      const hears = []
      /** @type {number[]} */
      const microphone = []
      const rounds = options.rounds[n] ?? 5
      for (let round = 0; round < rounds; round++) {
        await Promise.all(others.map((peer) => peer.page.evaluate(armFirstBytes, [joinerId])))
        await joiner.page.evaluate(armFirstBytes, otherIds)
        await labelled(`round ${round}: join`, pages, () => join(joiner.page))
        const t0 = await joiner.page.evaluate(markTime, 'peerboard:voice-join')
        const on = await joiner.page.evaluate(markTime, 'peerboard:voice-on')
        const firsts = await Promise.all(
          peers.map((peer) =>
            peer.page.evaluate(() => /** @type {any} */ (window).__voiceFirstBytes),
          ),
        )
        if (t0 !== null) {
          if (on !== null) microphone.push(on - t0)
          firsts.slice(1).forEach((first) => {
            const at = first?.[joinerId]
            heard.push(typeof at === 'number' ? at - t0 : Infinity)
          })
          for (const id of otherIds) {
            const at = firsts[0]?.[id]
            // Their audio may arrive while the joiner's microphone is still being granted
            // (they send once it is joining); it plays from the grant on, not before.
            hears.push(typeof at === 'number' ? Math.max(at, on ?? at) - t0 : Infinity)
          }
        }
        await sleep(500)
        await labelled(`round ${round}: leave`, pages, () => leave(joiner.page))
        await sleep(1200)
      }
      /** @type {Record<string, any>} */
      const result = {
        rounds,
        othersHearJoinerMs: summarize(heard),
        joinerHearsOthersMs: summarize(hears),
        getUserMediaMs: summarize(microphone),
      }
      if (n >= 6) {
        await join(joiner.page)
        await sleep(2000)
        const call = await cpuWindow(peers, options.cpuWindowMs)
        for (const peer of peers)
          await button(peer.page, 'Mute').click({ timeout: STEP_TIMEOUT_MS })
        await sleep(2000)
        const muted = await cpuWindow(peers, options.cpuWindowMs)
        for (const peer of peers) await leave(peer.page)
        await sleep(2000)
        const idle = await cpuWindow(peers, options.cpuWindowMs)
        const pick = (
          /** @type {typeof call} */ rows,
          /** @type {keyof (typeof call)[number]} */ key,
        ) => summarize(rows.map((row) => row[key]))
        result.cpu = {
          windowMs: options.cpuWindowMs,
          inCall: {
            processCpuPercent: pick(call, 'processCpuPercent'),
            mainThreadPercent: pick(call, 'mainThreadPercent'),
            sentKbpsPerLink: pick(call, 'sentKbpsPerLink'),
          },
          allMuted: {
            processCpuPercent: pick(muted, 'processCpuPercent'),
            mainThreadPercent: pick(muted, 'mainThreadPercent'),
            sentKbpsPerLink: pick(muted, 'sentKbpsPerLink'),
          },
          noVoice: {
            processCpuPercent: pick(idle, 'processCpuPercent'),
            mainThreadPercent: pick(idle, 'mainThreadPercent'),
          },
        }
      }
      out[`${n}peers`] = result
      options.log(`voice ${n} peers: ${JSON.stringify(result)}`)
    } catch (error) {
      options.log(`voice ${n} peers failed: ${String(error)}`)
      out[`${n}peers`] = { error: String(error) }
    } finally {
      await closePeers(peers)
    }
  }
  return out
}
