/**
 * Hostile infrastructure and hostile peers, in real Chromium: a signaling relay that tampers
 * with payloads, a link with the wrong key, and a peer that sends malformed frames or writes
 * nonsense into the shared document. The victims refuse it all and keep working together.
 */
import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { waitForConnected } from '../helpers/browser'
import { waitForConvergence } from '../helpers/convergence'
import { addShapes, lostEdits } from '../helpers/edits'
import { useSession } from '../helpers/session'
import {
  startTamperingRelay,
  type TamperingRelay,
  type Tampering,
} from '../helpers/tampering-relay'

const session = useSession()

const states = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-peer]')].map((row) => row.getAttribute('data-state')),
  )

/** Clear-text markers of SDP and ICE (case-sensitive): none may reach the signaling server. */
const CLEAR_TEXT = ['a=candidate', 'v=0', 'fingerprint', 'ice-ufrag', '"sdp"', '"candidate"']

describe('a tampering signaling relay', () => {
  let relay: TamperingRelay | undefined
  afterEach(async () => {
    await relay?.close()
    relay = undefined
  })

  for (const mode of ['flip', 'swap'] as Tampering[]) {
    it(`(${mode}) gets nobody connected: the peers show "cannot verify"`, async () => {
      relay = await startTamperingRelay(session.url, mode)
      const a = await session.person(`${relay.url}/`)
      const b = await session.person(a.page.url())
      const c = await session.person(a.page.url())
      // Whoever receives a tampered offer shows its sender as "cannot verify" (the sender
      // itself hears nothing back, so it keeps trying and never connects).
      await expect
        .poll(
          async () => {
            const all = await Promise.all([a, b, c].map((p) => states(p.page)))
            return all.flat().filter((state) => state === 'unverified').length
          },
          { timeout: 30_000 },
        )
        .toBeGreaterThan(0)
      await a.page.getByText('cannot verify').first().waitFor({ timeout: 20_000 })
      // Long enough for any connection attempt to have finished.
      await a.page.waitForTimeout(5000)
      for (const p of [a, b, c]) expect(await states(p.page)).not.toContain('connected')
      expect(relay.tampered).toBeGreaterThan(0)
    })
  }

  it('(replay) refuses replayed and misdirected payloads: one link per pair, nothing doubled', async () => {
    relay = await startTamperingRelay(session.url, 'replay')
    const a = await session.person(`${relay.url}/`)
    const b = await session.person(a.page.url())
    const c = await session.person(a.page.url())
    for (const p of [a, b, c]) await waitForConnected(p.page, 2)
    await a.page.waitForTimeout(2000)
    for (const p of [a, b, c]) {
      expect(await states(p.page)).toEqual(['connected', 'connected'])
      const links = await p.page.evaluate(
        () =>
          (window as unknown as { peerboard: { docSync: { peerCount: number } } }).peerboard.docSync
            .peerCount,
      )
      expect(links).toBe(2)
    }
    const made = [...(await addShapes(a.page, 3, 0)), ...(await addShapes(c.page, 3, 1))]
    await waitForConvergence([a.page, b.page, c.page])
    expect(await lostEdits([a.page, b.page, c.page], made)).toEqual([0, 0, 0])

    // What the server saw: sealed payloads only.
    expect(relay.captured.length).toBeGreaterThan(6)
    for (const payload of relay.captured) {
      for (const marker of CLEAR_TEXT) expect(payload).not.toContain(marker)
    }
  })
})

describe('a wrong key', () => {
  it('never connects, and the peer it dials shows it as "cannot verify"', async () => {
    const a = await session.person()
    const [room] = a.page.url().split('#')[1]!.split('.')
    const wrong = `${session.url}/#${room}.${'A'.repeat(21)}w`
    const b = await session.person(wrong)
    await a.page.getByText('cannot verify').waitFor({ timeout: 20_000 })
    // Past B's connect timeout: its dial was never answered.
    await a.page.waitForTimeout(16_000)
    expect(await states(a.page)).toEqual(['unverified'])
    expect(await states(b.page)).not.toContain('connected')
    expect(await states(b.page)).toHaveLength(1)
  })
})

describe('a hostile peer', () => {
  it('is cut off for malformed frames, its nonsense shapes are skipped, and A and B carry on', async () => {
    const a = await session.person()
    const b = await session.person(a.page.url())
    const h = await session.person(a.page.url())
    for (const p of [a, b, h]) await waitForConnected(p.page, 2)
    const made = [...(await addShapes(a.page, 4, 0)), ...(await addShapes(b.page, 4, 1))]
    await waitForConvergence([a.page, b.page, h.page])

    // Nonsense written straight into the shared document: valid Yjs, invalid shapes.
    await h.page.evaluate(() => {
      type Doc = { transact(fn: () => void): void; getMap(name: string): Map<string, unknown> }
      const { doc } = (window as unknown as { peerboard: { doc: Doc } }).peerboard
      doc.transact(() => {
        const shapes = doc.getMap('shapes')
        shapes.set('nonsense1', 'not a shape')
        shapes.set('nonsense2', { g: { type: 'pen', points: [1, 2, 3] }, z: 'top' })
        shapes.set('nonsense3', { g: { type: 'rect', w: 'wide', h: -1 }, s: null, z: 1 })
        shapes.set('nonsense4', { g: { type: 'text', text: 42 }, s: { color: 7 }, z: 2 })
        doc.getMap('order').set('nonsense5', 'top')
      })
    })
    // The victims render and export regardless.
    for (const p of [a, b]) {
      for (const kind of ['png', 'svg', 'board']) {
        const download = p.page.waitForEvent('download')
        await p.page.evaluate(
          (kind) =>
            (
              window as unknown as { peerboard: { app: { exportAs(k: string): Promise<void> } } }
            ).peerboard.app.exportAs(kind),
          kind,
        )
        expect(await (await download).path()).toBeTruthy()
      }
    }

    // Then malformed frames: a flood first (tolerated), then three bad messages (not).
    const ids = await Promise.all(
      [a, b].map((p) =>
        p.page.evaluate(
          () =>
            (window as unknown as { peerboard: { mesh: { self: string } } }).peerboard.mesh.self,
        ),
      ),
    )
    await h.page.evaluate((victims) => {
      type Link = { send(frame: Uint8Array): void }
      const { docSync, awareness } = (
        window as unknown as {
          peerboard: {
            docSync: { peer(id: string): { link: Link } | undefined }
            awareness: { setLocalStateField(field: string, value: unknown): void }
          }
        }
      ).peerboard
      const varUint = (n: number): number[] => {
        const bytes: number[] = []
        while (n > 127) {
          bytes.push((n & 127) | 128)
          n = Math.floor(n / 128)
        }
        bytes.push(n)
        return bytes
      }
      for (let i = 0; i < 500; i++) awareness.setLocalStateField('cursor', { x: i, y: i })
      for (const id of victims) {
        const link = docSync.peer(id)!.link
        // A chunked message that never ends: buffered, bounded, harmless.
        link.send(Uint8Array.of(2, ...varUint(77), 0, 5, ...new Array(1000).fill(1)))
        // A chunk stream claiming more than the reassembly cap.
        link.send(Uint8Array.of(2, ...varUint(78), 0, ...varUint(50_000_000), 1, 2, 3))
        // An unknown frame type.
        link.send(Uint8Array.of(9, 1, 2, 3))
        // A sync update that is not a Yjs update.
        link.send(Uint8Array.of(0, 2, 5, 1, 200, 13, 7, 7))
      }
    }, ids)
    for (const p of [a, b]) {
      await p.page.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-peer]')]
            .map((row) => row.getAttribute('data-state'))
            .sort()
            .join() === 'connected,failed',
        null,
        { timeout: 20_000 },
      )
    }

    // A and B keep working together, with every edit and nothing of H's nonsense.
    made.push(...(await addShapes(a.page, 3, 2)), ...(await addShapes(b.page, 3, 3)))
    const state = await waitForConvergence([a.page, b.page])
    expect(await lostEdits([a.page, b.page], made)).toEqual([0, 0])
    expect(Object.keys(state.shapes).filter((id) => id.startsWith('nonsense'))).toEqual([])
    for (const p of [a, b]) {
      expect(p.logs.filter((line) => line.startsWith('[pageerror]'))).toEqual([])
    }
  })
})

describe('the Connection panel', () => {
  it('shows the route (host) and a round-trip time for each peer', async () => {
    const a = await session.person()
    const b = await session.person(a.page.url())
    await waitForConnected(a.page, 1)
    await waitForConnected(b.page, 1)
    await a.page.getByRole('button', { name: 'Connection' }).click()
    const panel = a.page.getByRole('region', { name: 'Connections' })
    await expect.poll(() => panel.locator('[data-field="route"]').textContent()).toContain('host')
    await expect
      .poll(() => panel.locator('[data-field="rtt"]').textContent(), { timeout: 15_000 })
      .toMatch(/^\d+ ms$/)
    expect(await panel.locator('[data-field="ice"]').textContent()).toMatch(/connected|completed/)
    await a.page.getByRole('button', { name: 'Connection' }).click()
    await panel.waitFor({ state: 'detached' })
  })
})
