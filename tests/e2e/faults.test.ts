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
    restartIce(peerId: string): boolean
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

/** ICE restarts `page` counted on its current link to `peerId`. */
const iceRestartsOf = (page: Page, peerId: string) =>
  page.evaluate(
    (id) => (window as unknown as { peerboard: Peerboard }).peerboard.mesh.iceRestarts(id),
    peerId,
  )

/** `page` restarts ICE on its link to `peerId` now; false if it has no such link. */
const restartIceOn = (page: Page, peerId: string) =>
  page.evaluate(
    (id) => (window as unknown as { peerboard: Peerboard }).peerboard.mesh.restartIce(id),
    peerId,
  )

type Tagged = { peerboard: Peerboard; before?: RTCPeerConnection | null }

/** Tags `page`'s connection to `peerId`: an ICE restart keeps it, a re-dial replaces it. */
const tagConnection = (page: Page, peerId: string) =>
  page.evaluate((id) => {
    const w = window as unknown as Tagged
    w.before = w.peerboard.mesh.connectionTo(id)
  }, peerId)

/** Whether `page`'s connection to `peerId` is still the one `tagConnection` tagged. */
const sameConnection = (page: Page, peerId: string) =>
  page.evaluate((id) => {
    const w = window as unknown as Tagged
    return w.peerboard.mesh.connectionTo(id) === w.before
  }, peerId)

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
      await tagConnection(a.page, idB)
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
      const restarts = await Promise.all([iceRestartsOf(a.page, idB), iceRestartsOf(b.page, idA)])
      expect(restarts[0]! + restarts[1]!).toBeGreaterThan(0)
      expect(await sameConnection(a.page, idB)).toBe(true)
      await shouldConverge([a, b], made)
    },
  )
})

describe('ICE restart from both sides at once', () => {
  it('keeps the connection when both sides restart ICE at the same moment, round after round', async () => {
    const a = await session.person()
    const b = await session.person(a.page.url())
    await waitForConnected(a.page, 1)
    await waitForConnected(b.page, 1)
    const [idA, idB] = [await selfOf(a.page), await selfOf(b.page)]
    await tagConnection(a.page, idB)
    await tagConnection(b.page, idA)
    const made: string[] = []
    for (let round = 0; round < 3; round++) {
      const before = { a: await iceOf(a.page, idB), b: await iceOf(b.page, idA) }
      // Both ask in the same instant: the initiator offers for itself and is asked to offer.
      const asked = await Promise.all([restartIceOn(a.page, idB), restartIceOn(b.page, idA)])
      expect(asked).toEqual([true, true])
      made.push(
        ...(await addShapes(a.page, 2, round * 2)),
        ...(await addShapes(b.page, 2, round * 2 + 1)),
      )
      for (const [page, id, ufrag] of [
        [a.page, idB, before.a.ufrag],
        [b.page, idA, before.b.ufrag],
      ] as const) {
        await page.waitForFunction(
          ([id, ufrag]) => {
            const w = window as unknown as Tagged
            const pc = w.peerboard.mesh.connectionTo(id)
            // A re-dial would replace the connection: fail fast rather than time out.
            if (!pc || pc !== w.before) return true
            return (
              pc.signalingState === 'stable' &&
              ['connected', 'completed'].includes(pc.iceConnectionState) &&
              !(pc.localDescription?.sdp ?? '').includes(`a=ice-ufrag:${ufrag}`)
            )
          },
          [id, ufrag] as const,
          { timeout: 30_000 },
        )
      }
      for (const [page, id] of [
        [a.page, idB],
        [b.page, idA],
      ] as const) {
        expect(
          await sameConnection(page, id),
          `round ${round}: the link was replaced instead of restarted`,
        ).toBe(true)
        expect(await iceRestartsOf(page, id)).toBe(round + 1)
      }
    }
    await shouldConverge([a, b], made)
  })
})

describe('signaling server crash', () => {
  it('three peers keep drawing while it is down, rejoin by themselves, and a newcomer gets everything', async () => {
    const own = await startServer(await freePort())
    try {
      const a = await session.person(`${own.url}/`)
      const b = await session.person(a.page.url())
      const c = await session.person(a.page.url())
      for (const p of [a, b, c]) await waitForConnected(p.page, 2)
      const made: string[] = []
      for (const [i, p] of [a, b, c].entries()) made.push(...(await addShapes(p.page, 3, i)))

      await own.kill()
      for (const p of [a, b, c]) await p.page.getByRole('status').waitFor()
      // Drawing goes on over the data channels, in rounds, from everyone.
      for (let round = 0; round < 3; round++) {
        for (const [i, p] of [a, b, c].entries()) {
          made.push(...(await addShapes(p.page, 4, 3 + round * 3 + i)))
        }
      }
      await shouldConverge([a, b, c], made)

      const revived = await startServer(own.port)
      try {
        for (const p of [a, b, c]) {
          await p.page.getByRole('status').waitFor({ state: 'detached', timeout: 20_000 })
        }
        for (const p of [a, b, c]) await waitForConnected(p.page, 2)
        const d = await session.person(a.page.url())
        await waitForConnected(d.page, 3)
        made.push(...(await addShapes(d.page, 2, 20)))
        await shouldConverge([a, b, c, d], made)
        // Exactly one link per pair: the rejoin reused the live connections.
        for (const p of [a, b, c, d]) {
          const links = await p.page.evaluate(
            () => (window as unknown as { peerboard: Peerboard }).peerboard.docSync.peerCount,
          )
          expect(links).toBe(3)
        }
      } finally {
        await revived.kill()
      }
    } finally {
      await own.kill()
    }
  })
})

describe('a peer cut off', () => {
  it('edits alone while its connections are gone, comes back, and everyone converges', async () => {
    const a = await session.person()
    const b = await session.person(a.page.url())
    const c = await session.person(a.page.url())
    for (const p of [a, b, c]) await waitForConnected(p.page, 2)
    const made = [...(await addShapes(a.page, 3, 0)), ...(await addShapes(c.page, 3, 1))]
    await waitForConvergence([a.page, b.page, c.page])

    // C's signaling goes offline (so it cannot re-dial), then its connections die under it.
    await c.context.setOffline(true)
    await c.page.getByRole('status').waitFor({ timeout: 20_000 })
    await c.page.evaluate(() => {
      const { mesh } = (window as unknown as { peerboard: Peerboard }).peerboard
      for (const peer of mesh.peers()) mesh.connectionTo(peer.id)?.close()
    })
    await c.page.waitForFunction(
      () => document.querySelectorAll('[data-peer][data-state="connected"]').length === 0,
      null,
      { timeout: 20_000 },
    )
    await a.page.waitForFunction(
      () => document.querySelectorAll('[data-peer][data-state="connected"]').length === 1,
      null,
      { timeout: 30_000 },
    )
    // Everyone edits while apart.
    made.push(...(await addShapes(c.page, 6, 2)))
    made.push(...(await addShapes(a.page, 4, 3)), ...(await addShapes(b.page, 4, 4)))
    await waitForConvergence([a.page, b.page])
    expect(await lostEdits([a.page, b.page], made)).toEqual([6, 6])

    await c.context.setOffline(false)
    for (const p of [a, b, c]) await waitForConnected(p.page, 2, 60_000)
    await shouldConverge([a, b, c], made)
  })
})

/**
 * Runs in the late joiner before the app: logs a marker when the third chunk (frame tag 2) of a
 * big message arrives, so the test can crash the sender at that moment (the page's own main
 * thread is too busy receiving to be polled reliably).
 */
const MID_TRANSFER = 'peerboard-test: mid-transfer'
function watchChunks(marker: string): void {
  const original = RTCDataChannel.prototype.addEventListener
  let chunks = 0
  RTCDataChannel.prototype.addEventListener = function (
    this: RTCDataChannel,
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) {
    if (type === 'message' && typeof listener === 'function') {
      const inner = listener
      listener = (event: Event) => {
        const data = (event as MessageEvent<unknown>).data
        if (data instanceof ArrayBuffer && new Uint8Array(data)[0] === 2 && ++chunks === 3) {
          console.log(marker)
        }
        inner.call(this, event)
      }
    }
    original.call(this, type, listener, options)
  } as typeof original
}

/**
 * Runs in the crashing peer: once the test sets `__slowUplink`, chunk frames leave one per
 * 25 ms (a slow uplink), so a big sync takes seconds on the wire and a crash really cuts it.
 * Whatever is queued behind a chunk waits its turn, keeping the channel's order.
 */
function slowUplink(): void {
  const send = RTCDataChannel.prototype.send
  const queues = new WeakMap<RTCDataChannel, ArrayBufferView[]>()
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: ArrayBufferView) {
    const flags = window as unknown as { __slowUplink?: boolean }
    let queue = queues.get(this)
    const isChunk =
      ArrayBuffer.isView(data) && new Uint8Array(data.buffer, data.byteOffset)[0] === 2
    if (!queue && !(flags.__slowUplink && isChunk)) return send.call(this, data as never)
    if (!queue) {
      const pending: ArrayBufferView[] = []
      queue = pending
      queues.set(this, pending)
      const timer = setInterval(() => {
        const next = pending.shift()
        if (next && this.readyState === 'open') send.call(this, next as never)
        if (pending.length === 0) {
          clearInterval(timer)
          queues.delete(this)
        }
      }, 25)
    }
    queue.push(data)
  } as typeof send
}

describe('a peer crashing mid-transfer', () => {
  it('leaves the late joiner to finish its sync from another peer', async () => {
    const aContext = await newPerson(session.browser)
    await aContext.addInitScript(slowUplink)
    const a = await openBoard(aContext, `${session.url}/`)
    await addStrokes(a.page, 5000)
    const total = await shapeCount(a.page)
    expect(total).toBe(5000)
    // B takes a copy, then goes: while the late joiner arrives, A is the only source.
    const b = await session.person(a.page.url())
    await waitForConnected(b.page, 1)
    await expect.poll(() => shapeCount(b.page), { timeout: 60_000 }).toBe(total)
    await b.page.waitForTimeout(1000)
    await b.page.close()

    const lateContext = await newPerson(session.browser)
    await a.page.evaluate(() => Object.assign(window, { __slowUplink: true }))
    try {
      await lateContext.addInitScript(watchChunks, MID_TRANSFER)
      const page = await lateContext.newPage()
      const logs: string[] = []
      const midTransfer = new Promise<void>((resolve, reject) => {
        page.on('console', (message) => {
          logs.push(message.text())
          if (message.text() === MID_TRANSFER) resolve()
        })
        setTimeout(() => reject(new Error(`no chunk seen:\n${logs.join('\n')}`)), 30_000)
      })
      void page.goto(a.page.url())
      await midTransfer
      const cdp = await a.context.newCDPSession(a.page)
      // Page.crash never answers: the renderer is gone. Wait for the page's crash event.
      const crashed = new Promise((resolve) => a.page.once('crash', resolve))
      void cdp.send('Page.crash').catch(() => undefined)
      await crashed
      await page.locator('[data-ready="true"]').waitFor()
      // A's transfer really was cut short: nothing more arrives from anywhere for a while.
      await page.waitForTimeout(3000)
      const partial = await shapeCount(page)
      expect(partial).toBeLessThan(total)

      const b2 = await openBoard(b.context, a.page.url())
      await expect.poll(() => shapeCount(page), { timeout: 60_000 }).toBe(total)
      const made = [...(await addShapes(b2.page, 3, 0)), ...(await addShapes(page, 3, 1))]
      await waitForConvergence([b2.page, page], { timeout: 60_000 })
      expect(await lostEdits([b2.page, page], made)).toEqual([0, 0])
    } finally {
      await lateContext.close()
      await aContext.close()
    }
  }, 300_000)
})

/** Init script: the page's first sync request (SYNC step 1: bytes 0, 0) never leaves. */
function loseFirstSyncRequest(): void {
  const send = RTCDataChannel.prototype.send
  let lost = false
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: ArrayBufferView) {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : null
    if (!lost && bytes && bytes[0] === 0 && bytes[1] === 0) {
      lost = true
      console.info('test: lost our sync request')
      return
    }
    send.call(this, data as never)
  } as typeof send
}

describe('a lost sync request', () => {
  it('is sent again, and the joiner gets the board drawn before it came', async () => {
    const a = await session.person()
    const made = await addShapes(a.page, 10, 0)
    const context = await newPerson(session.browser)
    await context.addInitScript(loseFirstSyncRequest)
    try {
      const b = await openBoard(context, a.page.url())
      await waitForConnected(b.page, 1)
      expect(b.logs).toContain('[info] test: lost our sync request')
      // A never heard B ask, so only the retry (5 s after the link opened) brings the board.
      await expect.poll(() => shapeCount(b.page), { timeout: 20_000 }).toBe(made.length)
      expect(b.logs.some((line) => line.includes('asking again'))).toBe(true)
      made.push(...(await addShapes(b.page, 2, 1)))
      await shouldConverge([a, b], made)
    } finally {
      await context.close()
    }
  })
})

describe('everyone leaves', () => {
  it('restores the board from local storage when they come back', async () => {
    const a = await session.person()
    const b = await session.person(a.page.url())
    await waitForConnected(a.page, 1)
    const made = [...(await addShapes(a.page, 10, 0)), ...(await addShapes(b.page, 10, 1))]
    await shouldConverge([a, b], made)
    const url = a.page.url()
    // Let y-indexeddb finish writing before the pages go.
    await a.page.waitForTimeout(500)
    await a.page.close()
    await b.page.close()

    // A alone first: everything must come from its own storage, nobody else is there.
    const a2 = await openBoard(a.context, url)
    await expect.poll(() => shapeCount(a2.page), { timeout: 10_000 }).toBe(made.length)
    expect(await lostEdits([a2.page], made)).toEqual([0])
    const b2 = await openBoard(b.context, url)
    await expect.poll(() => shapeCount(b2.page), { timeout: 10_000 }).toBe(made.length)
    await waitForConnected(b2.page, 1)
    made.push(...(await addShapes(b2.page, 2, 2)))
    await shouldConverge([a2, b2], made)
  })
})
