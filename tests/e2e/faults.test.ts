/**
 * Faults in real Chromium over real WebRTC: the signaling server dies, a peer drops off and
 * edits alone, a peer crashes mid-transfer, ICE fails and restarts, everyone leaves. Each test
 * counts edits: every edit any page made must be on every page at the end (lost edits: 0), and
 * the boards must converge (model compared, not pixels).
 */
import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { newPerson, openBoard, waitForConnected, type BoardPage } from '../helpers/browser'
import { waitForConvergence } from '../helpers/convergence'
import { addShapes, addStrokes, lostEdits, shapeCount } from '../helpers/edits'
import { dropUdpPorts, heal, nftAvailable } from '../helpers/nft'
import { freePort } from '../helpers/ports'
import { startServer } from '../helpers/server-process'
import { useSession } from '../helpers/session'

const session = useSession()

interface Peerboard {
  mesh: {
    self: string
    peers(): { id: string; state: string; inRoom: boolean }[]
    connectionTo(peerId: string): RTCPeerConnection | null
    iceRestarts(peerId: string): number
    pendingChunks(peerId: string): number
  }
  docSync: { peerCount: number }
}

const selfOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { peerboard: Peerboard }).peerboard.mesh.self)

/** The local ICE ufrag and every local candidate port of `page`'s connection to `peerId`. */
async function iceOf(page: Page, peerId: string): Promise<{ ufrag: string; ports: number[] }> {
  return page.evaluate(async (peerId) => {
    const pc = (window as unknown as { peerboard: Peerboard }).peerboard.mesh.connectionTo(peerId)
    if (!pc) throw new Error('no connection')
    const ports: number[] = []
    ;(await pc.getStats()).forEach((entry: { type: string; port?: number }) => {
      if (entry.type === 'local-candidate' && entry.port) ports.push(entry.port)
    })
    const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? ''
    return { ufrag, ports }
  }, peerId)
}

async function shouldConverge(pages: BoardPage[], made: string[]): Promise<void> {
  await waitForConvergence(
    pages.map((p) => p.page),
    { timeout: 60_000 },
  )
  expect(
    await lostEdits(
      pages.map((p) => p.page),
      made,
    ),
  ).toEqual(pages.map(() => 0))
}

describe('ICE failure', () => {
  afterEach(() => heal())

  it.skipIf(!nftAvailable())(
    'restarts ICE when the candidate pair dies, with fresh credentials, and loses no edit',
    async () => {
      const a = await session.person()
      const b = await session.person(a.page.url())
      await waitForConnected(a.page, 1)
      await waitForConnected(b.page, 1)
      const [idA, idB] = [await selfOf(a.page), await selfOf(b.page)]
      const made = [...(await addShapes(a.page, 5, 0)), ...(await addShapes(b.page, 5, 1))]
      await waitForConvergence([a.page, b.page])
      // Tag the connection object: a restart keeps it, a re-dial would replace it.
      await a.page.evaluate((id) => {
        const w = window as unknown as { peerboard: Peerboard; before?: RTCPeerConnection | null }
        w.before = w.peerboard.mesh.connectionTo(id)
      }, idB)
      const before = { a: await iceOf(a.page, idB), b: await iceOf(b.page, idA) }

      // Every candidate of this pair goes dark; fresh candidates (new ports) will not be.
      dropUdpPorts([...before.a.ports, ...before.b.ports])
      await a.page.waitForFunction(
        (id) =>
          (window as unknown as { peerboard: Peerboard }).peerboard.mesh
            .peers()
            .find((p) => p.id === id)?.state === 'reconnecting',
        idB,
        { timeout: 30_000 },
      )
      // Edits made during the outage.
      made.push(...(await addShapes(a.page, 5, 2)), ...(await addShapes(b.page, 5, 3)))

      await waitForConnected(a.page, 1, 40_000)
      await waitForConnected(b.page, 1, 40_000)
      const after = { a: await iceOf(a.page, idB), b: await iceOf(b.page, idA) }
      expect(after.a.ufrag).not.toBe(before.a.ufrag)
      expect(after.b.ufrag).not.toBe(before.b.ufrag)
      const restarts = await Promise.all([
        a.page.evaluate(
          (id) => (window as unknown as { peerboard: Peerboard }).peerboard.mesh.iceRestarts(id),
          idB,
        ),
        b.page.evaluate(
          (id) => (window as unknown as { peerboard: Peerboard }).peerboard.mesh.iceRestarts(id),
          idA,
        ),
      ])
      expect(restarts[0]! + restarts[1]!).toBeGreaterThan(0)
      const sameConnection = await a.page.evaluate((id) => {
        const w = window as unknown as { peerboard: Peerboard; before?: RTCPeerConnection | null }
        return w.peerboard.mesh.connectionTo(id) === w.before
      }, idB)
      expect(sameConnection).toBe(true)
      await shouldConverge([a, b], made)
    },
  )
})
