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
 * @param {'start' | 'join'} [from]  what each peer's times count from: app start, or the join
 */
export function setupRecord(all, n, error, logs, source, from = 'start') {
  const pad = (/** @type {(number | null)[]} */ values) =>
    Array.from({ length: n - 1 }, (_, i) => values[i] ?? Infinity)
  const perPeer = all.map((found) => {
    const times =
      found && from === 'join' ? (found.join ? { ...found, start: found.join } : null) : found
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
      loadMs: from === 'start' ? times.start - times.timeOrigin : null,
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
 * One dedicated run. `together`: the pages load first, holding their join (`?hold`), and once
 * all are loaded and idle they join at the same moment; times count from each page's join.
 * Otherwise they load concurrently and join as they start, and times count from app start.
 * @param {import('playwright-core').Browser} browser
 * @param {import('./mesh.mjs').System} system
 * @param {number} n
 * @param {number} timeoutMs
 * @param {{together?: boolean}} [options]
 */
export async function setupRun(browser, system, n, timeoutMs, options = {}) {
  const together = options.together ?? false
  const { peers } = await openPeers(browser, system, n, system.newRoom({ hold: together }))
  try {
    /** @type {(import('./systems.mjs').PageTimes | null)[]} */
    let all
    let error = null
    try {
      if (together) await joinTogether(system, peers, timeoutMs)
      all = await waitMesh(system, peers, n - 1, timeoutMs, { stuckMs: 5000 })
    } catch (caught) {
      error = String(/** @type {Error} */ (caught).message)
      all = /** @type {any} */ (caught).times ?? peers.map(() => null)
    }
    const logs = peers.flatMap((peer) => peer.logs)
    return setupRecord(
      all,
      n,
      error,
      logs,
      together ? 'join' : 'setup',
      together ? 'join' : 'start',
    )
  } finally {
    await closePeers(peers)
  }
}

/**
 * Waits until every page is loaded and its main thread idle, then joins them all at once.
 * @param {import('./mesh.mjs').System} system
 * @param {import('./mesh.mjs').Peer[]} peers
 * @param {number} timeoutMs
 */
async function joinTogether(system, peers, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (!(await Promise.all(peers.map((peer) => system.loaded(peer.page)))).every(Boolean)) {
    if (Date.now() > deadline) throw new Error('pages did not load')
    await sleep(50)
  }
  const idle = () =>
    new Promise((resolve) => requestIdleCallback(() => resolve(null), { timeout: 3000 }))
  await Promise.all(peers.map((peer) => peer.page.evaluate(idle)))
  await sleep(300)
  await Promise.all(peers.map((peer) => system.join(peer.page)))
}

/**
 * Dedicated setup runs; returns raw records by system kind and size.
 * @param {import('playwright-core').Browser} browser
 * @param {Record<string, import('./mesh.mjs').System>} systems
 * @param {{sizes: number[], runs: Record<number, number>, together?: boolean, timeoutMs: number, log: (m: string) => void, budget: (what: string) => boolean}} options
 * @param {Record<string, Record<number, SetupRecord[]>>} records  filled in place
 */
export async function measureSetup(browser, systems, options, records) {
  const what = options.together ? 'join-together setup' : 'setup'
  for (const n of options.sizes) {
    for (let run = 0; run < (options.runs[n] ?? 1); run++) {
      if (!options.budget(`${what} ${n} peers run ${run + 1}+ (time budget)`)) break
      for (const system of Object.values(systems)) {
        const result = await setupRun(browser, system, n, options.timeoutMs, {
          together: options.together,
        })
        addSetupRecord(records, system.kind, n, result)
        options.log(
          `${what} ${system.kind} n=${n} run ${run + 1}: ${result.error ?? `full mesh synced in ${result.fullMeshMs.toFixed(0)} ms`}`,
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
        pageLoadToStartMs: runs.some((r) => r.source === 'join')
          ? undefined
          : summarize(peers.map((p) => p.loadMs)),
        consoleErrors: runs.flatMap((r) => r.logs).slice(0, 5),
      }
    }
  }
  return out
}
