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

/** Clear-text markers of SDP and ICE: none may ever reach the signaling server. */
const CLEAR_TEXT = ['a=candidate', 'v=0', 'fingerprint', 'ice-ufrag', 'candidate:', 'sdp']

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
      for (const p of [a, b, c]) {
        await p.page.waitForFunction(
          () => document.querySelector('[data-peer][data-state="unverified"]') !== null,
          null,
          { timeout: 20_000 },
        )
      }
      // Long enough for any connection attempt to have finished.
      await a.page.waitForTimeout(5000)
      for (const p of [a, b, c]) expect(await states(p.page)).not.toContain('connected')
      expect(relay.tampered).toBeGreaterThan(0)
      const hostile = (await a.page.getByText('cannot verify').count()) > 0
      expect(hostile).toBe(true)
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
      for (const marker of CLEAR_TEXT) expect(payload.toLowerCase()).not.toContain(marker)
    }
  })
})

describe('a wrong key', () => {
  it('never connects, and shows the peer as "cannot verify"', async () => {
    const a = await session.person()
    const [room] = a.page.url().split('#')[1]!.split('.')
    const wrong = `${session.url}/#${room}.${'A'.repeat(21)}w`
    const b = await session.person(wrong)
    await b.page.getByText('cannot verify').waitFor({ timeout: 20_000 })
    await a.page.getByText('cannot verify').waitFor({ timeout: 20_000 })
    await a.page.waitForTimeout(3000)
    expect(await states(a.page)).toEqual(['unverified'])
    expect(await states(b.page)).toEqual(['unverified'])
  })
})
