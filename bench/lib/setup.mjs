/**
 * Metric 1, connection setup: N pages of one system opened concurrently (one context each) in
 * a fresh room; per peer, the time from its app start to each data channel open and to each
 * link synced. Runs of the three systems are interleaved so drift hits them alike. The meshes
 * the update-latency scenario opens (same procedure) are recorded as setup runs too.
 */
import { closePeers, openPeers, sleep, waitMesh } from './mesh.mjs'
import { summarize } from './stats.mjs'

/**
 * Per-peer and per-link durations (ms) of one mesh from its pages' times. Never opened / never
 * synced counts as Infinity (a failure), never silently dropped.
 * @param {(import('./systems.mjs').PageTimes | null)[]} all
 * @param {number} n
 * @param {string | null} error
 * @param {string[]} logs
 * @param {string} source
 */
export function setupRecord(all, n, error, logs, source) {
  const pad = (/** @type {(number | null)[]} */ values) =>
    Array.from({ length: n - 1 }, (_, i) => values[i] ?? Infinity)
  const perPeer = all.map((times) => {
    if (!times) {
      return {
        start: null,
        loadMs: null,
        joinedMs: null,
        joinedToAllSyncedMs: Infinity,
        linkOpenMs: pad([]),
        linkSyncedMs: pad([]),
        allOpenMs: Infinity,
        allSyncedMs: Infinity,
      }
    }
    const links = Object.values(times.links)
    const opens = pad(
      links.map((link) => (link.open === null ? Infinity : link.open - times.start)),
    )
    const synced = pad(
      links.map((link) => (link.synced === null ? Infinity : link.synced - times.start)),
    )
    return {
      start: times.start,
      loadMs: times.start - times.timeOrigin,
      joinedMs: times.joined ? times.joined - times.start : null,
      joinedToAllSyncedMs: times.joined ? Math.max(...synced) - (times.joined - times.start) : null,
      linkOpenMs: opens,
      linkSyncedMs: synced,
      allOpenMs: Math.max(...opens),
      allSyncedMs: Math.max(...synced),
    }
  })
  const starts = perPeer.map((p) => p.start).filter((s) => s !== null)
  const firstStart = Math.min(...starts)
  const last = (/** @type {'allSyncedMs' | 'allOpenMs'} */ key) =>
    Math.max(...perPeer.map((p) => (p.start === null ? Infinity : p.start + p[key]))) - firstStart
  return {
    source,
    error,
    perPeer,
    fullMeshMs: last('allSyncedMs'),
    fullMeshOpenMs: last('allOpenMs'),
    logs: logs.slice(0, 5),
  }
}

/** @typedef {ReturnType<typeof setupRecord>} SetupRecord */

/**
 * One dedicated run.
 * @param {import('playwright-core').Browser} browser
 * @param {import('./mesh.mjs').System} system
 * @param {number} n
 * @param {number} timeoutMs
 */
export async function setupRun(browser, system, n, timeoutMs) {
  const { peers } = await openPeers(browser, system, n)
  try {
    /** @type {(import('./systems.mjs').PageTimes | null)[]} */
    let all
    let error = null
    try {
      all = await waitMesh(system, peers, n - 1, timeoutMs, { stuckMs: 5000 })
    } catch (caught) {
      error = String(/** @type {Error} */ (caught).message)
      all = /** @type {any} */ (caught).times ?? peers.map(() => null)
    }
    const logs = peers.flatMap((peer) => peer.logs)
    return setupRecord(all, n, error, logs, 'setup')
  } finally {
    await closePeers(peers)
  }
}

/**
 * Dedicated setup runs; returns raw records by system kind and size.
 * @param {import('playwright-core').Browser} browser
 * @param {Record<string, import('./mesh.mjs').System>} systems
 * @param {{sizes: number[], runs: Record<number, number>, timeoutMs: number, log: (m: string) => void, budget: (what: string) => boolean}} options
 * @param {Record<string, Record<number, SetupRecord[]>>} records  filled in place
 */
export async function measureSetup(browser, systems, options, records) {
  for (const n of options.sizes) {
    for (let run = 0; run < (options.runs[n] ?? 1); run++) {
      if (!options.budget(`setup ${n} peers run ${run + 1}+ (time budget)`)) break
      for (const system of Object.values(systems)) {
        const result = await setupRun(browser, system, n, options.timeoutMs)
        addSetupRecord(records, system.kind, n, result)
        options.log(
          `setup ${system.kind} n=${n} run ${run + 1}: ${result.error ?? `full mesh synced in ${result.fullMeshMs.toFixed(0)} ms`}`,
        )
        await sleep(200)
      }
    }
  }
  return records
}

/**
 * @param {Record<string, Record<number, SetupRecord[]>>} records
 * @param {string} kind
 * @param {number} n
 * @param {SetupRecord} record
 */
export function addSetupRecord(records, kind, n, record) {
  ;((records[kind] ??= {})[n] ??= []).push(record)
}

/**
 * Summaries per system and size.
 * @param {Record<string, Record<number, SetupRecord[]>>} records
 */
export function aggregateSetup(records) {
  /** @type {Record<string, Record<string, any>>} */
  const out = {}
  for (const [kind, bySize] of Object.entries(records)) {
    const sizes = Object.keys(bySize)
      .map(Number)
      .sort((a, b) => a - b)
    for (const n of sizes) {
      const runs = /** @type {SetupRecord[]} */ (bySize[n])
      const peers = runs.flatMap((r) => r.perPeer)
      ;(out[kind] ??= {})[`${n}peers`] = {
        runs: runs.length,
        runsFromUpdateScenario: runs.filter((r) => r.source === 'update').length,
        failedRuns: runs.filter((r) => r.error).length,
        errors: runs.map((r) => r.error).filter(Boolean),
        peersNeverSynced: peers.filter((p) => !Number.isFinite(p.allSyncedMs)).length,
        linksNeverSynced: peers.flatMap((p) => p.linkSyncedMs).filter((v) => !Number.isFinite(v))
          .length,
        perPeerAllSyncedMs: summarize(peers.map((p) => p.allSyncedMs)),
        perPeerAllOpenMs: summarize(peers.map((p) => p.allOpenMs)),
        perLinkOpenMs: summarize(peers.flatMap((p) => p.linkOpenMs)),
        perLinkSyncedMs: summarize(peers.flatMap((p) => p.linkSyncedMs)),
        fullMeshSyncedMs: summarize(runs.map((r) => r.fullMeshMs)),
        fullMeshOpenMs: summarize(runs.map((r) => r.fullMeshOpenMs)),
        joinedMs: kind === 'peerboard' ? summarize(peers.map((p) => p.joinedMs)) : undefined,
        joinedToAllSyncedMs:
          kind === 'peerboard' ? summarize(peers.map((p) => p.joinedToAllSyncedMs)) : undefined,
        pageLoadToStartMs: summarize(peers.map((p) => p.loadMs)),
        consoleErrors: runs.flatMap((r) => r.logs).slice(0, 5),
      }
    }
  }
  return out
}
