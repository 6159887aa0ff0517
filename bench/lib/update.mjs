/**
 * Metric 2, update latency: a tiny change on peer A (Peerboard and y-webrtc: a Y.Map set on the
 * shared doc, `{i, t}` with t = A's absolute time; raw: a ~40-byte JSON message) observed on
 * every other peer (Y.Map observe / channel message), latency = receive time − t. Plus the
 * data-channel messages all peers sent per update.
 */
import { closePeers, counterDelta, openPeers, readCounters, sleep, waitMesh } from './mesh.mjs'
import { addSetupRecord, setupRecord } from './setup.mjs'
import { round, summarize } from './stats.mjs'

/** In-page: records [i, latency] for each update seen. */
function installReceiver(/** @type {string} */ kind) {
  const w = /** @type {any} */ (window)
  const now = () => performance.timeOrigin + performance.now()
  /** @type {[number, number][]} */
  const received = []
  w.__benchReceived = received
  if (kind === 'raw') {
    w.bench.onmessage = (/** @type {string} */ _from, /** @type {unknown} */ data) => {
      if (typeof data !== 'string' || !data.startsWith('{"u":')) return
      const t = now()
      const { u } = JSON.parse(data)
      received.push([u.i, t - u.t])
    }
    return
  }
  const doc = kind === 'peerboard' ? w.peerboard.doc : w.bench.doc
  const map = doc.getMap('bench')
  map.observe(() => {
    const t = now()
    const value = map.get('u')
    if (value) received.push([value.i, t - value.t])
  })
}

/** In-page on A: `samples` updates, `spacingMs` apart. */
async function runSender(
  /** @type {{kind: string, samples: number, spacingMs: number}} */ options,
) {
  const w = /** @type {any} */ (window)
  const now = () => performance.timeOrigin + performance.now()
  /** @type {(i: number) => void} */
  let send
  if (options.kind === 'raw') {
    send = (i) => w.bench.broadcast(JSON.stringify({ u: { i, t: now() } }))
  } else {
    const doc = options.kind === 'peerboard' ? w.peerboard.doc : w.bench.doc
    const map = doc.getMap('bench')
    send = (i) => map.set('u', { i, t: now() })
  }
  for (let i = 0; i < options.samples; i++) {
    send(i)
    await new Promise((resolve) => setTimeout(resolve, options.spacingMs))
  }
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {import('./mesh.mjs').System} system
 * @param {number} n
 * @param {{samples: number, spacingMs: number, timeoutMs: number}} options
 */
export async function updateRun(browser, system, n, options) {
  const { peers } = await openPeers(browser, system, n)
  try {
    // The mesh is opened exactly as in the setup scenario, so it is recorded as a setup run.
    // Open links are enough to measure updates (a sync step that never completes does not
    // stop later updates), so a stuck initial sync does not void the latency run.
    /** @type {(import('./systems.mjs').PageTimes | null)[]} */
    let all
    let setupError = null
    try {
      all = await waitMesh(system, peers, n - 1, options.timeoutMs, { stuckMs: 5000 })
    } catch (caught) {
      if (!(/** @type {any} */ (caught).stuck)) throw caught
      setupError = String(/** @type {Error} */ (caught).message)
      all = /** @type {any} */ (caught).times
    }
    const setup = setupRecord(
      all,
      n,
      setupError,
      peers.flatMap((peer) => peer.logs),
      'update',
    )
    // Let the post-connect traffic (sync replies, awareness) settle before counting.
    await sleep(800)
    const [sender, ...receivers] = peers
    if (!sender) throw new Error('no peers')
    await Promise.all(receivers.map((peer) => peer.page.evaluate(installReceiver, system.kind)))
    const before = await Promise.all(peers.map((peer) => readCounters(peer.page, system.kind)))
    await sender.page.evaluate(runSender, {
      kind: system.kind,
      samples: options.samples,
      spacingMs: options.spacingMs,
    })
    await sleep(1000)
    const after = await Promise.all(peers.map((peer) => readCounters(peer.page, system.kind)))
    const received = await Promise.all(
      receivers.map((peer) =>
        peer.page.evaluate(
          () => /** @type {[number, number][]} */ (/** @type {any} */ (window).__benchReceived),
        ),
      ),
    )
    const delta = counterDelta(before, after)
    const latencies = received.flat().map(([, latency]) => latency)
    const perReceiver = received.map((list) => new Set(list.map(([i]) => i)).size)
    // Sync messages: Peerboard frame type 0 / y-webrtc message type 0; raw sends text.
    const updateType = system.kind === 'raw' ? 'text' : '0'
    return {
      setup,
      samples: options.samples,
      latencies,
      missing: perReceiver.map((count) => options.samples - count),
      messagesPerUpdate: delta.messages / options.samples,
      updateMessagesPerUpdate: (delta.byType[updateType]?.messages ?? 0) / options.samples,
      bytesPerUpdate: (delta.byType[updateType]?.bytes ?? 0) / options.samples,
      senderStatsMessagesPerUpdate: delta.sender
        ? delta.sender.messages / options.samples
        : undefined,
      byType: delta.byType,
    }
  } finally {
    await closePeers(peers)
  }
}

/**
 * Rounds alternate between the systems (A, B, C, A, B, C, …) and each system's samples are
 * pooled: one 4-second run's p95 follows whatever else the machine did in those seconds, and
 * on this 2-core machine it swung by 2-3x between runs of the same build (y-webrtc's 8-peer
 * p95: 17 ms in one full run, 34-51 ms in three runs right after). Per-round p95s are kept.
 * @param {import('playwright-core').Browser} browser
 * @param {Record<string, import('./mesh.mjs').System>} systems
 * @param {{sizes: number[], rounds: number, samples: number, spacingMs: number, timeoutMs: number, log: (m: string) => void, budget: (what: string) => boolean}} options
 * @param {Record<string, Record<number, import('./setup.mjs').SetupRecord[]>>} setupRecords  gets this scenario's meshes
 */
export async function measureUpdates(browser, systems, options, setupRecords) {
  /** @type {Record<string, Record<string, any>>} */
  const out = {}
  for (const n of options.sizes) {
    /** @type {Map<string, {runs: Awaited<ReturnType<typeof updateRun>>[], errors: string[]}>} */
    const pooled = new Map()
    for (let r = 1; r <= options.rounds; r++) {
      for (const system of Object.values(systems)) {
        if (!options.budget(`update latency ${system.kind} ${n} peers, round ${r} (time budget)`))
          continue
        const entry = pooled.get(system.kind) ?? { runs: [], errors: [] }
        pooled.set(system.kind, entry)
        try {
          const run = await updateRun(browser, system, n, options)
          addSetupRecord(setupRecords, system.kind, n, run.setup)
          entry.runs.push(run)
          const p95 = summarize(run.latencies, 2).p95
          options.log(`update ${system.kind} n=${n} round ${r}: p95 ${p95} ms`)
        } catch (error) {
          entry.errors.push(String(/** @type {Error} */ (error).message))
          options.log(`update ${system.kind} n=${n} round ${r}: ${entry.errors.at(-1)}`)
        }
      }
    }
    for (const [kind, { runs, errors }] of pooled) {
      /** @type {Record<string, any>} */
      let result
      if (runs.length === 0) result = { error: errors.join('; ') }
      else {
        const per = (/** @type {(run: (typeof runs)[number]) => number} */ pick) =>
          runs.reduce((sum, run) => sum + pick(run), 0) / runs.length
        const sender = runs.every((run) => run.senderStatsMessagesPerUpdate !== undefined)
        result = {
          rounds: runs.length,
          failedRounds: errors.length,
          errors,
          samplesSent: runs.reduce((sum, run) => sum + run.samples, 0),
          receivers: n - 1,
          latencyMs: summarize(
            runs.flatMap((run) => run.latencies),
            2,
          ),
          p95PerRound: runs.map((run) => summarize(run.latencies, 2).p95),
          missingPerReceiver: runs.map((run) => run.missing),
          expectedMessagesPerUpdate: n - 1,
          messagesPerUpdate: round(
            per((run) => run.messagesPerUpdate),
            3,
          ),
          syncMessagesPerUpdate: round(
            per((run) => run.updateMessagesPerUpdate),
            3,
          ),
          senderStatsMessagesPerUpdate: sender
            ? round(
                per((run) => /** @type {number} */ (run.senderStatsMessagesPerUpdate)),
                3,
              )
            : undefined,
          syncBytesPerUpdate: round(
            per((run) => run.bytesPerUpdate),
            1,
          ),
          messagesByFirstByte: runs.map((run) => run.byType),
        }
      }
      ;(out[kind] ??= {})[`${n}peers`] = result
      options.log(
        `update ${kind} n=${n}: ${result.error ?? `p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} ms over ${result.rounds} round(s), ${result.messagesPerUpdate} msgs/update`}`,
      )
    }
  }
  return out
}
