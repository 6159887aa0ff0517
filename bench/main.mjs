/**
 * Peerboard benchmark: Peerboard next to raw WebRTC (the floor) and y-webrtc 10.3, in one
 * headless Chromium on loopback. Prints one JSON summary to stdout (progress goes to stderr)
 * and writes it to bench/results/<ISO date>.json.
 *
 *   node scripts/bench.mjs           full run (expects `npm run build` done; `npm run bench` does it)
 *   node scripts/bench.mjs --quick   fewer samples, 2/4 peers, 1,000-stroke board only
 *   --only=setup,update,stroke,latejoin,bigboard,voice   run only these scenarios (development)
 *
 * Everything started here (servers, child processes, the browser) is stopped by its own handle.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { measureBigBoard } from './lib/bigboard.mjs'
import { launchBrowser } from './lib/browser.mjs'
import { measureLateJoin } from './lib/latejoin.mjs'
import { machineFacts } from './lib/machine.mjs'
import { freePort, httpOk, startNodeProcess, startStaticAndRelay, tcpOpen } from './lib/servers.mjs'
import { aggregateSetup, measureSetup } from './lib/setup.mjs'
import { round, summarize } from './lib/stats.mjs'
import { measureStrokes } from './lib/stroke.mjs'
import { evaluateTargets } from './lib/targets.mjs'
import { makeSystems } from './lib/systems.mjs'
import { measureUpdates } from './lib/update.mjs'
import { measureVoice } from './lib/voice.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const quick = process.argv.includes('--quick')
const onlyArg = process.argv.find((arg) => arg.startsWith('--only='))
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : null
const wanted = (/** @type {string} */ name) => !only || only.has(name)
const started = Date.now()
const loadAtStart = os.loadavg()[0] ?? 0
/** Past this, the run is abandoned (everything stopped): `npm run bench` (build ~20 s + this) < 17 min. */
const HARD_LIMIT_MS = 1_000_000

const settings = {
  setupTimeoutMs: 30_000,
  samples: quick ? 60 : 220,
  spacingMs: 20,
  strokeSpacingMs: 25,
  lateJoin: { timeoutMs: 30_000, ywebrtcTimeoutMs: quick ? 10_000 : 15_000, stuckMs: 8_000 },
}

/**
 * The run, in order of priority; a step (or a run inside it) only starts before its `beforeS`
 * mark, so a loaded machine drops the least important work, not the whole result. Full-mode
 * timings on this 2-core machine: 13-14 min with load average 10-20.
 * @type {({name: 'setup', sizes: number[], runs: Record<number, number>, together?: boolean, beforeS: number} | {name: 'update', sizes: number[], rounds: number, beforeS: number} | {name: 'stroke', strokes: number, beforeS: number} | {name: 'latejoin', count: number, joiners: number, beforeS: number} | {name: 'bigboard', beforeS: number} | {name: 'voice', sizes: number[], rounds: Record<number, number>, beforeS: number})[]}
 */
const plan = quick
  ? [
      { name: 'setup', together: true, sizes: [2, 4], runs: { 2: 2, 4: 2 }, beforeS: 100 },
      { name: 'setup', sizes: [2, 4], runs: { 2: 2, 4: 2 }, beforeS: 150 },
      { name: 'update', sizes: [2, 4], rounds: 1, beforeS: 220 },
      { name: 'stroke', strokes: 1, beforeS: 260 },
      { name: 'latejoin', count: 1000, joiners: 1, beforeS: 300 },
      { name: 'bigboard', beforeS: 330 },
      { name: 'voice', sizes: [2, 6], rounds: { 2: 4, 6: 3 }, beforeS: 400 },
    ]
  : [
      // Join together (the targets): pages loaded and idle, then all join at one moment.
      // Nine 2-peer runs: with five, Peerboard's median was 431, 652 and 598 ms in three full
      // runs of the same setup code.
      { name: 'setup', together: true, sizes: [2, 4], runs: { 2: 9, 4: 2 }, beforeS: 140 },
      // Load together: pages opened at once, each joining as it starts, page loads competing.
      // The update scenario's meshes count as such runs too (one more per round and system).
      { name: 'setup', sizes: [2, 4], runs: { 2: 3, 4: 2 }, beforeS: 190 },
      // Three alternating rounds per size, pooled: one round's p95 swings 2-3x on this machine.
      { name: 'update', sizes: [2], rounds: 3, beforeS: 280 },
      { name: 'stroke', strokes: 5, beforeS: 340 },
      { name: 'latejoin', count: 1000, joiners: 3, beforeS: 380 },
      // ~1-2 min: 10,000 strokes drawn on A through its Board, joiners, the y-webrtc timeout.
      { name: 'latejoin', count: 10000, joiners: 3, beforeS: 420 },
      { name: 'update', sizes: [8], rounds: 3, beforeS: 520 },
      // Three runs: one 8-page run swings by a factor of two on this machine (y-webrtc's too).
      { name: 'setup', together: true, sizes: [8], runs: { 8: 3 }, beforeS: 680 },
      { name: 'bigboard', beforeS: 770 },
      // ~1.5 min alone (--only=voice); in a full run only when time is left.
      { name: 'voice', sizes: [2, 6], rounds: { 2: 8, 6: 6 }, beforeS: 820 },
    ]

const log = (/** @type {string} */ message) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`)
/** @type {string[]} work skipped to stay inside the time limit */
const skipped = []
/**
 * A budget check: true while the run is younger than `seconds`; records what was skipped.
 * @param {number} seconds
 */
const until = (seconds) => (/** @type {string} */ what) => {
  if (Date.now() - started < seconds * 1000) return true
  if (!skipped.includes(what)) skipped.push(what)
  return false
}

/** @type {(() => Promise<unknown>)[]} cleanups, newest first */
const cleanups = []
let cleaning = null
function cleanup() {
  cleaning ??= (async () => {
    for (const stop of cleanups.splice(0).reverse()) {
      await stop().catch((/** @type {unknown} */ error) => log(`cleanup: ${String(error)}`))
    }
  })()
  return cleaning
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    log(`${signal}: stopping`)
    void cleanup().then(() => process.exit(130))
  })
}
const hardTimer = setTimeout(() => {
  log(`hard limit of ${HARD_LIMIT_MS / 1000} s reached: stopping`)
  void cleanup().then(() => process.exit(2))
}, HARD_LIMIT_MS)
hardTimer.unref()

async function main() {
  const serverEntry = path.join(ROOT, 'dist/server/server/src/main.js')
  if (!existsSync(serverEntry) || !existsSync(path.join(ROOT, 'dist/client/index.html'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)')
  }
  log('building bench pages (vite, bench/vite.config.mjs → dist/bench)')
  await build({ configFile: path.join(ROOT, 'bench/vite.config.mjs'), logLevel: 'warn' })

  const statics = await startStaticAndRelay(path.join(ROOT, 'dist/bench'))
  cleanups.push(() => statics.close())

  const peerboardPort = await freePort()
  const peerboard = await startNodeProcess(
    'peerboard server',
    serverEntry,
    { PORT: String(peerboardPort), HOST: '127.0.0.1' },
    () => httpOk(`http://127.0.0.1:${peerboardPort}/healthz`),
    ROOT,
  )
  cleanups.push(() => peerboard.stop())

  const signalingPort = await freePort()
  const signaling = await startNodeProcess(
    'y-webrtc signaling',
    path.join(ROOT, 'node_modules/y-webrtc/bin/server.js'),
    { PORT: String(signalingPort) },
    () => /** @type {Promise<boolean>} */ (tcpOpen(signalingPort)),
    ROOT,
  )
  cleanups.push(() => signaling.stop())

  const browser = await launchBrowser()
  cleanups.push(() => browser.close())

  const systems = makeSystems({
    peerboardUrl: `http://127.0.0.1:${peerboardPort}`,
    benchUrl: statics.url,
    relayUrl: statics.relayUrl,
    signalingUrl: `ws://127.0.0.1:${signalingPort}`,
  })

  log(`mode ${quick ? 'quick' : 'full'}; Chromium ${browser.version()}`)
  const loadSamples = [os.loadavg()[0] ?? 0]
  const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0] ?? 0), 5000)
  cleanups.push(async () => clearInterval(loadTimer))
  /** @type {Record<string, Record<number, import('./lib/setup.mjs').SetupRecord[]>>} */
  const setupRecords = {}
  /** @type {Record<string, Record<number, import('./lib/setup.mjs').SetupRecord[]>>} */
  const joinRecords = {}
  /** @type {Record<string, Record<string, any>>} */
  const update = {}
  /** @type {Record<string, any>} */
  let stroke = {}
  /** @type {Record<string, Record<string, any>>} */
  const lateJoin = {}
  /** @type {Record<string, any> | null} */
  let bigBoard = null
  /** @type {Record<string, any> | null} */
  let voice = null
  const merge = (
    /** @type {Record<string, Record<string, any>>} */ into,
    /** @type {Record<string, Record<string, any>>} */ from,
  ) => {
    for (const [kind, byKey] of Object.entries(from)) Object.assign((into[kind] ??= {}), byKey)
  }
  for (const step of plan) {
    if (!wanted(step.name)) continue
    const budget = until(step.beforeS)
    if (step.name === 'setup') {
      const options = {
        sizes: step.sizes,
        runs: step.runs,
        together: step.together,
        timeoutMs: settings.setupTimeoutMs,
      }
      const into = step.together ? joinRecords : setupRecords
      await measureSetup(browser, systems, { ...options, log, budget }, into)
    } else if (step.name === 'update') {
      const options = {
        sizes: step.sizes,
        rounds: step.rounds,
        samples: settings.samples,
        spacingMs: settings.spacingMs,
        timeoutMs: settings.setupTimeoutMs,
      }
      merge(
        update,
        await measureUpdates(browser, systems, { ...options, log, budget }, setupRecords),
      )
    } else if (step.name === 'stroke') {
      if (!budget('stroke latency (time budget)')) continue
      const options = { strokes: step.strokes, spacingMs: settings.strokeSpacingMs }
      stroke = await measureStrokes(browser, systems, { ...options, timeoutMs: 20_000, log })
    } else if (step.name === 'bigboard') {
      if (!budget('10,000-stroke board: pan/zoom, export, IndexedDB (time budget)')) continue
      bigBoard = await measureBigBoard(browser, `http://127.0.0.1:${peerboardPort}`, { log })
    } else if (step.name === 'voice') {
      voice = await measureVoice(browser, systems.peerboard, {
        sizes: step.sizes,
        rounds: step.rounds,
        cpuWindowMs: quick ? 5000 : 10_000,
        timeoutMs: settings.setupTimeoutMs,
        log,
        budget: until(step.beforeS),
      })
    } else if (step.name === 'latejoin') {
      const options = { counts: [step.count], joiners: { [step.count]: step.joiners } }
      const what = `late join ${step.count} strokes (time budget)`
      merge(
        lateJoin,
        await measureLateJoin(browser, systems, {
          ...options,
          ...settings.lateJoin,
          log,
          budget: () => budget(what),
        }),
      )
    }
  }
  clearInterval(loadTimer)
  const setup = aggregateSetup(setupRecords)
  const setupJoin = aggregateSetup(joinRecords)

  /** @type {Record<string, any>} */
  const byKind = { peerboard: {}, raw: {}, ywebrtc: {} }
  for (const kind of Object.keys(byKind)) {
    byKind[kind].setupJoin = setupJoin[kind]
    byKind[kind].setup = setup[kind]
    byKind[kind].updateLatency = update[kind]
    if (stroke[kind]) byKind[kind].strokeLatency = stroke[kind]
    if (lateJoin[kind]) byKind[kind].lateJoin = lateJoin[kind]
  }
  if (bigBoard) byKind.peerboard.bigBoard = bigBoard
  if (voice) byKind.peerboard.voice = voice
  const summary = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: {
      ...machineFacts(),
      chromium: browser.version(),
      // Other work on this machine skews every number: the 1-minute load average around the run.
      loadAverageAtStart: round(loadAtStart, 2),
      loadAverageDuringRun: summarize(loadSamples, 2),
    },
    method: {
      setupJoin:
        'N pages loaded (one context each, fresh room, join held), then once all are idle they join at the same moment; per peer: its join → every data channel open / every link synced; fullMesh = first join → last link synced. The setup targets use these runs',
      setup:
        'N pages opened concurrently (one context each, fresh room), each joining as its app starts, so N page loads compete with the connections; per peer: app start → every data channel open / every link synced; fullMesh = first app start → last link synced',
      updateLatency: `per round ${settings.samples} updates ${settings.spacingMs} ms apart on A; latency = receive time on each other peer − send time on A; rounds alternate between the systems and each system's samples are pooled (p95PerRound lists each round's own)`,
      strokeLatency: `real-mouse strokes of 50 points on A (moves ${settings.strokeSpacingMs} ms apart + CDP round trip); pointermove event.timeStamp on A → ink detected on B's canvas by a post-rAF pixel check`,
      lateJoin:
        'A alone builds the board; joiners arrive one at a time; app start → synced with A; bytes = joiner getStats bytesReceived on its connection to A',
      voice:
        'N peers, N−1 in voice; peer 0 clicks Join voice (t0 = its voice-join mark, before getUserMedia); othersHearJoinerMs = first inbound audio byte from it on each other page, joinerHearsOthersMs = on peer 0 from each other page (getStats polled every 25 ms; the time is the newest packet’s arrival, lastPacketReceivedTimestamp, in the first report with new bytes: Chromium caches stats for 50 ms); then leave, pause, repeat. cpu (6 peers): CDP Performance.getMetrics ProcessTime (renderer process) and TaskDuration (main thread) per page as % of one core over the window, all in voice / all muted / nobody in voice',
    },
    peerboard: byKind.peerboard,
    raw: byKind.raw,
    ywebrtc: byKind.ywebrtc,
    skippedForTime: skipped,
    targets: evaluateTargets({ setup, setupJoin, update, stroke, lateJoin, bigBoard, voice }),
  }
  return summary
}

let exitCode = 0
try {
  const summary = await main()
  const dir = path.join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${summary.date.replace(/:/g, '-')}${quick ? '-quick' : ''}.json`)
  const text = JSON.stringify(summary, null, 2)
  writeFileSync(file, `${text}\n`)
  log(`wrote ${path.relative(ROOT, file)}`)
  process.stdout.write(`${text}\n`)
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  exitCode = 1
} finally {
  await cleanup()
  clearTimeout(hardTimer)
}
process.exit(exitCode)
