/**
 * Peerboard end to end: real server process, real headless Chromium, real WebRTC.
 * Assertions read canvas pixels (what a person sees), not the model.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import {
  documentDigest,
  documentInk,
  drawStroke,
  inkPixels,
  newPerson,
  openBoard,
  waitForConnected,
  waitForInk,
  zigzag,
  type BoardPage,
} from '../helpers/browser'
import { freePort } from '../helpers/ports'
import { startServer } from '../helpers/server-process'
import { useSession } from '../helpers/session'

const session = useSession()

const person = (url?: string) => session.person(url)

/** A zigzag in the upper middle of the board, clear of the panels. */
describe('drawing together', () => {
  it('gives a new board a link with a room id and a key, and joins it from the link', async () => {
    const a = await person()
    expect(a.page.url()).toMatch(/\/#[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/)
    const b = await person(a.page.url())
    await waitForConnected(a.page, 1)
    await waitForConnected(b.page, 1)
    await expect(a.page.getByRole('button', { name: 'Copy link' }).isVisible()).resolves.toBe(true)
  })

  it('shows what A draws on B and C, and all three converge', async () => {
    const a = await person()
    const b = await person(a.page.url())
    const c = await person(a.page.url())
    for (const p of [a, b, c]) await waitForConnected(p.page, 2)

    expect(await inkPixels(b.page)).toBe(0)
    await drawStroke(a.page, zigzag)
    await drawStroke(b.page, [
      [500, 400],
      [600, 450],
      [700, 400],
    ])
    const region = { x: 280, y: 130, width: 300, height: 120 }
    // Committed ink on the document layer: A's cursor on B's overlay may cover some of it.
    await expect.poll(() => documentInk(a.page, region)).toBeGreaterThan(200)
    const onA = await documentInk(a.page, region)
    for (const page of [b.page, c.page]) {
      await expect.poll(() => documentInk(page, region)).toBeGreaterThanOrEqual(onA * 0.9)
    }
    await waitForInk(c.page, 100, { x: 480, y: 380, width: 240, height: 90 })

    // Same board, same viewport: the document layers must be identical pixel for pixel.
    await expect.poll(() => documentDigest(b.page)).toBe(await documentDigest(a.page))
    await expect.poll(() => documentDigest(c.page)).toBe(await documentDigest(a.page))

    // The README's picture: B's screen, with A's cursor hovering near A's ink.
    const screenshot = process.env.PEERBOARD_SCREENSHOT
    if (screenshot) {
      const box = await a.page.getByLabel('Board', { exact: true }).boundingBox()
      await a.page.mouse.move((box?.x ?? 0) + 560, (box?.y ?? 0) + 250)
      await b.page.waitForTimeout(300)
      await b.page.screenshot({ path: screenshot })
    }
  })

  it('shows ink on B while A is still drawing', async () => {
    const a = await person()
    const b = await person(a.page.url())
    await waitForConnected(b.page, 1)
    await drawStroke(a.page, zigzag, { release: false })
    const region = { x: 280, y: 130, width: 300, height: 120 }
    await waitForInk(b.page, 200, region)
    // The stroke is still in progress on A: nothing committed yet.
    const committedOnA = await a.page.evaluate(
      () => (window as unknown as { peerboard: { board: { size: number } } }).peerboard.board.size,
    )
    expect(committedOnA).toBe(0)
    await a.page.mouse.up()
    await expect.poll(() => inkPixels(b.page, region)).toBeGreaterThan(200)
  })

  it('sends the whole board to a late joiner (2,000 strokes)', async () => {
    const a = await person()
    await a.page.evaluate(() => {
      type Stroke = { append(points: number[]): void; commit(): void }
      const { board } = (
        window as unknown as {
          peerboard: {
            board: {
              beginStroke(style: object, options: object): Stroke
            }
          }
        }
      ).peerboard
      for (let i = 0; i < 2000; i++) {
        const stroke = board.beginStroke({ color: '#1e1e1e', size: 2 }, { pressure: false })
        const points: number[] = []
        const x0 = 20 + (i % 50) * 18
        const y0 = 20 + Math.floor(i / 50) * 15
        for (let k = 0; k < 50; k++) points.push(x0 + k * 0.3, y0 + Math.sin(k / 4) * 5, 0.5)
        stroke.append(points)
        stroke.commit()
      }
    })
    const late = await person(a.page.url())
    await waitForConnected(late.page, 1)
    await expect
      .poll(() => documentDigest(late.page), { timeout: 20_000 })
      .toBe(await documentDigest(a.page))
    expect(await inkPixels(late.page)).toBeGreaterThan(20_000)
  })

  it('removes a peer whose tab closes, and the others keep drawing', async () => {
    const a = await person()
    const b = await person(a.page.url())
    const c = await person(a.page.url())
    for (const p of [a, b, c]) await waitForConnected(p.page, 2)
    await c.page.close()
    await a.page.waitForFunction(
      () => document.querySelectorAll('[data-peer]').length === 1,
      null,
      {
        timeout: 10_000,
      },
    )
    await drawStroke(b.page, zigzag)
    await waitForInk(a.page, 200)
  })

  it('keeps the board across a reload, also when alone', async () => {
    const a = await person()
    await drawStroke(a.page, zigzag)
    const before = await waitForInk(a.page, 200)
    // Let y-indexeddb finish its write before the page goes.
    await a.page.waitForTimeout(300)
    await a.page.reload()
    await a.page.getByLabel('Board', { exact: true }).waitFor()
    await waitForInk(a.page, before * 0.95)
  })
})

/** Installed before the app: the ICE candidates this page gathers and those it is given. */
function recordCandidates() {
  const seen = { gathered: [] as string[], given: [] as string[] }
  Object.defineProperty(window, '__candidates', { value: seen })
  const add = RTCPeerConnection.prototype.addIceCandidate
  RTCPeerConnection.prototype.addIceCandidate = function (
    this: RTCPeerConnection,
    candidate?: RTCIceCandidateInit | null,
  ) {
    if (candidate?.candidate) seen.given.push(candidate.candidate)
    return (add as (init?: RTCIceCandidateInit) => Promise<void>).call(this, candidate ?? undefined)
  } as typeof add
  const Original = RTCPeerConnection
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config)
      this.addEventListener('icecandidate', (event) => {
        if (event.candidate) seen.gathered.push(event.candidate.candidate)
      })
    }
  }
}

/** The SHA-256 fingerprint of this page's DTLS certificate on each of its links. */
function fingerprints(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const { mesh } = (
      window as unknown as {
        peerboard: {
          mesh: { peers(): { id: string }[]; connectionTo(id: string): RTCPeerConnection | null }
        }
      }
    ).peerboard
    const out: string[] = []
    for (const { id } of mesh.peers()) {
      const report = await mesh.connectionTo(id)!.getStats()
      let certificateId: string | undefined
      report.forEach((entry: { type: string; localCertificateId?: string }) => {
        if (entry.type === 'transport') certificateId ??= entry.localCertificateId
      })
      const certificate = certificateId ? report.get(certificateId) : undefined
      out.push(String((certificate as { fingerprint?: string } | undefined)?.fingerprint))
    }
    return out
  })
}

describe('connection setup', () => {
  it('signals no active TCP candidates, and uses one DTLS certificate per page', async () => {
    type Candidates = { gathered: string[]; given: string[] }
    const activeTcp = (line: string) => / tcptype active/.test(line)
    /** Three people on a new board, connected; what candidates each page gathered and got. */
    const trio = async () => {
      const pages: BoardPage[] = []
      for (let i = 0; i < 3; i++) {
        const context = await newPerson(session.browser)
        await context.addInitScript(recordCandidates)
        pages.push(await openBoard(context, i === 0 ? `${session.url}/` : pages[0]!.page.url()))
      }
      for (const p of pages) await waitForConnected(p.page, 2)
      // TCP candidates trail the UDP ones by about 100 ms: let them all be gathered.
      await pages[0]!.page.waitForTimeout(1000)
      const seen = await Promise.all(
        pages.map((p) =>
          p.page.evaluate(() => (window as unknown as { __candidates: Candidates }).__candidates),
        ),
      )
      return { pages, seen }
    }
    // Chromium gathers active TCP candidates on some connections only (gathering can complete
    // without them): a mesh with none proves nothing, so another one is formed, up to 5.
    const seen: Candidates[] = []
    let pages: BoardPage[] = []
    for (let attempt = 0; attempt < 5; attempt++) {
      for (const p of pages) await p.context.close()
      const formed = await trio()
      pages = formed.pages
      seen.push(...formed.seen)
      if (seen.some((s) => s.gathered.some(activeTcp))) break
    }
    // The browser does gather them (else this test would prove nothing)...
    expect(seen.flatMap((s) => s.gathered).filter(activeTcp).length).toBeGreaterThan(0)
    // ...and no page is ever given one, while UDP candidates do arrive.
    for (const s of seen) {
      expect(s.given.filter(activeTcp)).toEqual([])
      expect(s.given.filter((line) => / udp /i.test(line)).length).toBeGreaterThan(0)
    }

    const perPage = await Promise.all(pages.map((p) => fingerprints(p.page)))
    for (const links of perPage) {
      expect(links).toHaveLength(2)
      expect(links[0]).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
      expect(new Set(links).size).toBe(1)
    }
    expect(new Set(perPage.map((links) => links[0])).size).toBe(3)
  })
})

describe('room limits', () => {
  it('tells the person who would exceed MAX_PEERS that the board is full', async () => {
    const small = await startServer(await freePort(), { MAX_PEERS: '2' })
    try {
      const a = await person(`${small.url}/`)
      const b = await person(a.page.url())
      await waitForConnected(b.page, 1)
      const c = await person(a.page.url())
      await expect
        .poll(() => c.page.getByRole('alert').textContent(), { timeout: 10_000 })
        .toContain('already has 2 people')
      // The two inside are unaffected.
      await drawStroke(a.page, zigzag)
      await waitForInk(b.page, 200)
    } finally {
      await small.kill()
    }
  })
})

describe('without the signaling server', () => {
  it('keeps drawing when the server dies, and rejoins without doubling links', async () => {
    const own = await startServer(await freePort())
    try {
      const a = await person(`${own.url}/`)
      const b = await person(a.page.url())
      await waitForConnected(a.page, 1)
      await waitForConnected(b.page, 1)

      await own.kill()
      await a.page.getByRole('status').waitFor()
      await drawStroke(a.page, zigzag)
      await waitForInk(b.page, 200)

      const revived = await startServer(own.port)
      try {
        await a.page.getByRole('status').waitFor({ state: 'detached', timeout: 15_000 })
        await b.page.getByRole('status').waitFor({ state: 'detached', timeout: 15_000 })
        // Still exactly one peer each: the rejoin reused the live connection.
        await waitForConnected(a.page, 1)
        const links = await a.page.evaluate(
          () =>
            (window as unknown as { peerboard: { docSync: { peerCount: number } } }).peerboard
              .docSync.peerCount,
        )
        expect(links).toBe(1)

        const c = await person(a.page.url())
        await waitForConnected(c.page, 2)
        await expect
          .poll(() => documentDigest(c.page), { timeout: 15_000 })
          .toBe(await documentDigest(a.page))
      } finally {
        await revived.kill()
      }
    } finally {
      await own.kill()
    }
  })
})
