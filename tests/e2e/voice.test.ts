/**
 * Voice end to end: real Chromium with its fake microphone playing a speech-like file
 * (tests/helpers/fake-speech.mjs), real WebRTC.
 * Hearing is read from the receiver's getStats: inbound audio bytes from each sender, and
 * totalAudioEnergy, which only rises while the remote track plays in an unmuted <audio>
 * element. Assertions are on deltas over a window, never on one sample or on speed.
 */
import { chromium, type Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  drawStroke,
  openBoard,
  waitForConnected,
  waitForInk,
  type BoardPage,
} from '../helpers/browser'
import { fakeSpeechArgs } from '../helpers/fake-speech.mjs'
import { dropUdpPorts, heal, nftAvailable } from '../helpers/nft'
import { useSession } from '../helpers/session'

const session = useSession({ browserArgs: fakeSpeechArgs })

interface Inbound {
  bytes: number
  energy: number
}

/** Per remote peer id: inbound audio on our connection to them. */
async function inboundAudio(page: Page): Promise<Record<string, Inbound>> {
  return page.evaluate(async () => {
    const { mesh } = (window as unknown as { peerboard: PageHandles }).peerboard
    const out: Record<string, { bytes: number; energy: number }> = {}
    for (const peer of mesh.peers()) {
      const pc = mesh.connectionTo(peer.id)
      if (!pc) continue
      const entry = { bytes: 0, energy: 0 }
      ;(await pc.getStats()).forEach((report: Record<string, unknown>) => {
        if (report.type !== 'inbound-rtp' || report.kind !== 'audio') return
        entry.bytes += Number(report.bytesReceived ?? 0)
        entry.energy += Number(report.totalAudioEnergy ?? 0)
      })
      out[peer.id] = entry
    }
    return out
  })
}

interface PageHandles {
  mesh: {
    self: string
    peers(): { id: string }[]
    connectionTo(id: string): RTCPeerConnection | null
  }
  voice: {
    snapshot: { status: string; muted: boolean; peers: Record<string, unknown> }
  }
  docSync: {
    peer(id: string): { synced: boolean } | undefined
    presenceOf(id: string): unknown
  }
}

const selfId = (page: Page) =>
  page.evaluate(() => (window as unknown as { peerboard: PageHandles }).peerboard.mesh.self)

/** Inbound audio from `from` on `page` over `windowMs`: how much bytes and energy rose. */
async function audioDelta(page: Page, from: string, windowMs = 1500): Promise<Inbound> {
  const before = (await inboundAudio(page))[from] ?? { bytes: 0, energy: 0 }
  await page.waitForTimeout(windowMs)
  const after = (await inboundAudio(page))[from] ?? { bytes: 0, energy: 0 }
  return { bytes: after.bytes - before.bytes, energy: after.energy - before.energy }
}

/**
 * totalAudioEnergy adds level² × seconds. A muted sender still sends Opus DTX comfort noise,
 * around 1e-9 per window here; the test speech 0.1 to 0.5. Below this is silence (an average level
 * under 0.001, -60 dBFS, over a one-second window).
 */
const SILENCE_ENERGY = 1e-6

/** What a page knows about its audio slot to `peer`, to make a failure explain itself. */
function slotState(page: Page, peer: string) {
  return page.evaluate(async (peer) => {
    const handles = (window as unknown as { peerboard: PageHandles }).peerboard
    const { mesh, voice, docSync } = handles
    const pc = mesh.connectionTo(peer)
    const snapshot = voice.snapshot
    const sync = docSync.peer(peer)
    return {
      self: mesh.self.slice(0, 6),
      voice: { status: snapshot.status, muted: snapshot.muted, peer: snapshot.peers[peer] },
      synced: sync?.synced,
      theirVoice: (docSync.presenceOf(peer) as { voice?: unknown } | null)?.voice,
      signaling: pc?.signalingState,
      ice: pc?.iceConnectionState,
      transceivers: pc?.getTransceivers().map((t) => ({
        mid: t.mid,
        direction: t.direction,
        current: t.currentDirection,
        sending: t.sender.track?.readyState ?? null,
        receiving: t.receiver.track.readyState,
      })),
      players: [...document.querySelectorAll<HTMLAudioElement>('audio[data-voice-peer]')].map(
        (player) => ({ peer: player.dataset.voicePeer?.slice(0, 6), src: !!player.srcObject }),
      ),
    }
  }, peer)
}

/** Waits until `page` hears `from`: bytes rising and energy rising above silence. */
async function waitHears(
  page: Page,
  from: string,
  timeout = 40_000,
  fromPage?: Page,
): Promise<void> {
  const deadline = Date.now() + timeout
  let last: Inbound = { bytes: 0, energy: 0 }
  while (Date.now() < deadline) {
    last = await audioDelta(page, from, 1000)
    if (last.bytes > 0 && last.energy > SILENCE_ENERGY) return
  }
  const self = await selfId(page)
  const sides = [await slotState(page, from)]
  if (fromPage) sides.push(await slotState(fromPage, self))
  throw new Error(
    `${self.slice(0, 6)} hears nothing from ${from.slice(0, 6)}: last window ` +
      `${JSON.stringify(last)}; slots ${JSON.stringify(sides)}`,
  )
}

/** Waits until the energy from `from` on `page` falls to silence (muted, or not played). */
async function waitSilent(page: Page, from: string, timeout = 20_000): Promise<Inbound> {
  const deadline = Date.now() + timeout
  let last: Inbound = { bytes: 0, energy: 0 }
  while (Date.now() < deadline) {
    last = await audioDelta(page, from, 1500)
    if (last.energy < SILENCE_ENERGY) return last
  }
  throw new Error(`audio from ${from.slice(0, 6)} still rising: ${JSON.stringify(last)}`)
}

const joinVoice = (page: Page) =>
  page.getByRole('button', { name: 'Join voice', exact: true }).click()

/** In voice: the microphone is live (Mute is enabled only then, not while asking). */
async function waitInVoice(page: Page): Promise<void> {
  const timeout = 60_000
  await page.getByRole('button', { name: 'Leave voice', exact: true }).waitFor({ timeout })
  await page
    .getByRole('button', { name: 'Mute', exact: true, disabled: false })
    .waitFor({ timeout })
}

/** Every page hears every other page. */
async function expectFullyConnected(pages: Page[]): Promise<void> {
  const ids = await Promise.all(pages.map(selfId))
  for (const [i, page] of pages.entries()) {
    for (const [j, id] of ids.entries()) if (i !== j) await waitHears(page, id, 40_000, pages[j])
  }
}

/**
 * A and B on one board, both in voice and hearing each other. `prepare` runs on A's page
 * before B arrives (e.g. an init script and a reload).
 */
async function twoInVoice(prepare?: (a: BoardPage) => Promise<void>) {
  const a = await session.person()
  await prepare?.(a)
  const b = await session.person(a.page.url())
  await waitForConnected(a.page, 1)
  await waitForConnected(b.page, 1)
  await Promise.all([joinVoice(a.page), joinVoice(b.page)])
  await Promise.all([waitInVoice(a.page), waitInVoice(b.page)])
  const [idA, idB] = await Promise.all([selfId(a.page), selfId(b.page)])
  await waitHears(b.page, idA, 40_000, a.page)
  await waitHears(a.page, idB, 40_000, b.page)
  return { a, b, idA, idB }
}

/** Wraps getUserMedia (the real one runs) to keep the tracks it handed out, for inspection. */
function keepCapturedTracks() {
  const tracks: MediaStreamTrack[] = []
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints)
    tracks.push(...stream.getTracks())
    return stream
  }
  Object.defineProperty(window, '__capturedTracks', { value: tracks })
}

const liveCapturedTracks = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __capturedTracks: MediaStreamTrack[] }).__capturedTracks.filter(
        (track) => track.readyState === 'live',
      ).length,
  )

describe('voice chat', () => {
  it('lets three people hear each other, including one who came after voice started; mute silences without stalling the board', async () => {
    const a = await session.person()
    const b = await session.person(a.page.url())
    await waitForConnected(a.page, 1)
    await waitForConnected(b.page, 1)
    await joinVoice(a.page)
    await joinVoice(b.page)
    await Promise.all([waitInVoice(a.page), waitInVoice(b.page)])
    const [idA, idB] = await Promise.all([selfId(a.page), selfId(b.page)])
    await waitHears(b.page, idA)
    await waitHears(a.page, idB)

    // C enters after voice started: nothing reaches C or is played there before it joins.
    const c = await session.person(a.page.url())
    for (const p of [a, b, c]) await waitForConnected(p.page, 2)
    const idC = await selfId(c.page)
    const beforeJoin = await audioDelta(c.page, idA, 1500)
    expect(beforeJoin).toEqual({ bytes: 0, energy: 0 })
    expect(await c.page.locator('audio[data-voice-peer]').count()).toBe(0)

    await joinVoice(c.page)
    await waitInVoice(c.page)
    await expectFullyConnected([a.page, b.page, c.page])
    // Opus as set in our SDP (docs/PROTOCOL.md): DTX and in-band FEC, mono.
    const fmtp = await b.page.evaluate(async (from) => {
      const { mesh } = (window as unknown as { peerboard: PageHandles }).peerboard
      const lines: string[] = []
      ;(await mesh.connectionTo(from)!.getStats()).forEach((report: Record<string, unknown>) => {
        if (report.type === 'codec' && report.mimeType === 'audio/opus') {
          lines.push(String(report.sdpFmtpLine))
        }
      })
      return lines
    }, idA)
    expect(fmtp.length).toBeGreaterThan(0)
    for (const line of fmtp)
      expect(line).toMatch(/usedtx=1.*useinbandfec=1|useinbandfec=1.*usedtx=1/)
    // A's syllables light A's speaking ring on B's screen (hold: 400 ms).
    await b.page.waitForFunction(
      (id) =>
        document.querySelector<HTMLElement>(`[data-peer="${id}"]`)?.dataset.speaking === 'true',
      idA,
      { polling: 50, timeout: 20_000 },
    )
    // Everyone sees everyone's voice state through awareness.
    await expect
      .poll(() => b.page.locator(`[data-peer="${idC}"]`).getAttribute('data-voice'))
      .toBe('on')

    // A mutes: A's energy stops rising on B and C, while the board keeps syncing both ways.
    await a.page.getByRole('button', { name: 'Mute', exact: true }).click()
    await a.page.getByRole('button', { name: 'Unmute', exact: true }).waitFor()
    await expect
      .poll(() => c.page.locator(`[data-peer="${idA}"]`).getAttribute('data-voice'))
      .toBe('muted')
    await waitSilent(b.page, idA)
    await waitSilent(c.page, idA)
    await drawStroke(b.page, [
      [300, 150],
      [360, 230],
      [420, 150],
    ])
    await waitForInk(a.page, 100, { x: 280, y: 130, width: 160, height: 120 })
    // B and C still hear each other while A is muted.
    await waitHears(c.page, idB)

    // The M key unmutes (nobody is typing).
    await a.page.keyboard.press('m')
    await a.page.getByRole('button', { name: 'Mute', exact: true }).waitFor()
    await waitHears(b.page, idA)
    await waitHears(c.page, idA)
    expect(a.logs.filter((line) => line.startsWith('[pageerror]'))).toEqual([])
  })

  it('leaves voice (stops sending, releases the microphone), rejoins, and leaves cleanly when the device goes away', async () => {
    const { a, b, idA, idB } = await twoInVoice(async (a) => {
      await a.context.addInitScript(keepCapturedTracks)
      await a.page.reload()
      await a.page.locator('[data-ready="true"]').waitFor()
    })
    expect(await liveCapturedTracks(a.page)).toBe(1)

    // Switching microphones replaces the track on the link: no renegotiation, B still hears A.
    const picker = a.page.getByRole('combobox', { name: 'Microphone' })
    await expect.poll(() => picker.locator('option').count()).toBeGreaterThan(1)
    const current = await picker.inputValue()
    const other = await picker
      .locator('option')
      .evaluateAll(
        (options, skip) =>
          options.map((option) => (option as HTMLOptionElement).value).find((v) => v !== skip),
        current,
      )
    const sdpBefore = await a.page.evaluate(
      (id) =>
        (window as unknown as { peerboard: PageHandles }).peerboard.mesh.connectionTo(id)
          ?.localDescription?.sdp,
      idB,
    )
    await picker.selectOption(other!)
    await expect.poll(() => picker.inputValue()).toBe(other)
    await expect.poll(() => liveCapturedTracks(a.page)).toBe(1)
    await waitHears(b.page, idA)
    expect(
      await a.page.evaluate(
        (id) =>
          (window as unknown as { peerboard: PageHandles }).peerboard.mesh.connectionTo(id)
            ?.localDescription?.sdp,
        idB,
      ),
    ).toBe(sdpBefore)

    await a.page.getByRole('button', { name: 'Leave voice', exact: true }).click()
    await a.page.getByRole('button', { name: 'Join voice', exact: true }).waitFor()
    // Every captured track is stopped: the browser's microphone indicator goes off.
    expect(await liveCapturedTracks(a.page)).toBe(0)
    // B receives nothing from A any more, and A plays nothing from B.
    await expect
      .poll(() => audioDelta(b.page, idA), { timeout: 15_000 })
      .toEqual({ bytes: 0, energy: 0 })
    await expect
      .poll(() => audioDelta(a.page, idB), { timeout: 15_000 })
      .toMatchObject({ energy: 0 })
    await expect
      .poll(() => b.page.locator(`[data-peer="${idA}"]`).getAttribute('data-voice'))
      .toBe('off')

    await joinVoice(a.page)
    await waitInVoice(a.page)
    await waitHears(b.page, idA)
    await waitHears(a.page, idB)
    expect(await liveCapturedTracks(a.page)).toBe(1)

    // Unplugging is simulated: the fake device cannot be removed, so the live track gets the
    // 'ended' event a removed device fires. A leaves voice with a message; drawing goes on.
    await a.page.evaluate(() =>
      (window as unknown as { __capturedTracks: MediaStreamTrack[] }).__capturedTracks
        .filter((track) => track.readyState === 'live')
        .forEach((track) => track.dispatchEvent(new Event('ended'))),
    )
    await expect.poll(() => a.page.getByRole('alert').textContent()).toMatch(/disconnected/)
    await a.page.getByRole('button', { name: 'Join voice', exact: true }).waitFor()
    expect(await liveCapturedTracks(a.page)).toBe(0)
    await expect
      .poll(() => b.page.locator(`[data-peer="${idA}"]`).getAttribute('data-voice'))
      .toBe('off')
    await drawStroke(a.page, [
      [300, 150],
      [360, 230],
      [420, 150],
    ])
    await waitForInk(b.page, 100, { x: 280, y: 130, width: 160, height: 120 })
  })

  it('ends fully connected when four people press Join voice at the same moment', async () => {
    const first = await session.person()
    const rest = await Promise.all([1, 2, 3].map(() => session.person(first.page.url())))
    const pages = [first, ...rest].map((p) => p.page)
    for (const page of pages) await waitForConnected(page, 3, 60_000)
    // Each link negotiates its audio slot once the boards are in sync and the room is quiet
    // (no one connecting or syncing for 3 s), before anyone joins.
    for (const page of pages) {
      await page.waitForFunction(
        () => {
          const { mesh } = (window as unknown as { peerboard: PageHandles }).peerboard
          return mesh.peers().every((peer) =>
            mesh
              .connectionTo(peer.id)
              ?.getTransceivers()
              .some((t) => t.receiver.track.kind === 'audio' && t.currentDirection === 'sendrecv'),
          )
        },
        null,
        { timeout: 30_000 },
      )
    }
    // The SDP session versions (o= lines) of both descriptions of every connection.
    const versions = (page: Page) =>
      page.evaluate(() => {
        const { mesh } = (window as unknown as { peerboard: PageHandles }).peerboard
        return mesh.peers().map((peer) => {
          const pc = mesh.connectionTo(peer.id)
          const origin = (sdp: string | undefined) => /^o=.*$/m.exec(sdp ?? '')?.[0] ?? null
          return [
            pc?.signalingState,
            origin(pc?.localDescription?.sdp),
            origin(pc?.remoteDescription?.sdp),
          ]
        })
      })
    const before = await Promise.all(pages.map(versions))
    await Promise.all(pages.map(joinVoice))
    await Promise.all(pages.map(waitInVoice))
    await expectFullyConnected(pages)
    // Joining renegotiated nothing: every connection is stable on the offer/answer it had.
    const after = await Promise.all(pages.map(versions))
    expect(after).toEqual(before)
    for (const page of after) for (const [state] of page) expect(state).toBe('stable')
  })

  it('explains a denied microphone permission, and drawing keeps working', async () => {
    // A real denial: without the fake-UI flag, Chromium answers the permission prompt of a
    // context that was not granted the microphone with NotAllowedError.
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'),
      headless: true,
    })
    try {
      const denied = await browser.newContext({ viewport: { width: 1000, height: 700 } })
      const allowed = await browser.newContext({
        permissions: ['microphone'],
        viewport: { width: 1000, height: 700 },
      })
      const a = await openBoard(denied, `${session.url}/`)
      const b = await openBoard(allowed, a.page.url())
      await joinVoice(a.page)
      const alert = a.page.getByRole('alert')
      await expect.poll(() => alert.textContent()).toMatch(/Microphone permission was denied/)
      await a.page.getByRole('button', { name: 'Join voice', exact: true }).waitFor()
      expect(await a.page.locator('[data-voice]').first().getAttribute('data-voice')).toBe('off')

      await waitForConnected(b.page, 1)
      await drawStroke(a.page, [
        [300, 150],
        [360, 230],
        [420, 150],
      ])
      await waitForInk(b.page, 100, { x: 280, y: 130, width: 160, height: 120 })
      // The one who could join still can; the denied peer is simply not in voice.
      await joinVoice(b.page)
      await waitInVoice(b.page)
    } finally {
      await browser.close()
    }
  })
})

/** Every local candidate port of `page`'s connection to `peer`. */
const candidatePorts = (page: Page, peer: string) =>
  page.evaluate(async (peer) => {
    const pc = (window as unknown as { peerboard: PageHandles }).peerboard.mesh.connectionTo(peer)
    const ports: number[] = []
    ;(await pc?.getStats())?.forEach((entry: { type: string; port?: number }) => {
      if (entry.type === 'local-candidate' && entry.port) ports.push(entry.port)
    })
    return ports
  }, peer)

const connectionTo = (page: Page, peer: string) =>
  page.evaluateHandle(
    (peer) => (window as unknown as { peerboard: PageHandles }).peerboard.mesh.connectionTo(peer),
    peer,
  )

describe('voice through link faults', () => {
  afterEach(() => heal())

  it.skipIf(!nftAvailable())(
    'keeps both hearing each other when the candidate pair dies and ICE restarts',
    async () => {
      const { a, b, idA, idB } = await twoInVoice()
      const before = await connectionTo(a.page, idB)
      dropUdpPorts([...(await candidatePorts(a.page, idB)), ...(await candidatePorts(b.page, idA))])
      await waitSilent(b.page, idA)
      await waitForConnected(a.page, 1, 40_000)
      await waitHears(b.page, idA, 40_000, a.page)
      await waitHears(a.page, idB, 40_000, b.page)
      // The same connection, restarted: not a re-dial.
      const after = await connectionTo(a.page, idB)
      expect(await a.page.evaluate(([x, y]) => x === y, [before, after] as const)).toBe(true)
    },
  )

  it('keeps both hearing each other when their connection is torn down and dialled again', async () => {
    const { a, b, idA, idB } = await twoInVoice()
    const before = await connectionTo(a.page, idB)
    await a.page.evaluate((pc) => pc?.close(), before)
    // Both notice and one dials again (the other's audio may resume within one window).
    await a.page.waitForFunction(
      ([peer, old]) =>
        (window as unknown as { peerboard: PageHandles }).peerboard.mesh.connectionTo(peer) !== old,
      [idB, before] as const,
      { timeout: 30_000 },
    )
    await waitForConnected(a.page, 1, 40_000)
    await waitForConnected(b.page, 1, 40_000)
    await waitHears(b.page, idA, 40_000, a.page)
    await waitHears(a.page, idB, 40_000, b.page)
    const after = await connectionTo(a.page, idB)
    expect(await a.page.evaluate(([x, y]) => x === y, [before, after] as const)).toBe(false)
  })
})
