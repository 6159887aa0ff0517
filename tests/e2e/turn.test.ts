/**
 * TURN end to end: a real coturn, the real server handing out its REST credentials, and two
 * Chromium pages forced onto relay candidates (`?relay`). The selected candidate pair must be
 * relay on both sides, and the board must still sync through it.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  drawStroke,
  launchBrowser,
  newPerson,
  openBoard,
  waitForConnected,
  waitForInk,
  type BoardPage,
  zigzag,
} from '../helpers/browser'
import { startCoturn, type Coturn } from '../helpers/coturn'
import { freePort } from '../helpers/ports'
import { startServer, type ServerProcess } from '../helpers/server-process'

let coturn: Coturn
let server: ServerProcess
let browser: Browser
const people: BoardPage[] = []

beforeAll(async () => {
  coturn = await startCoturn()
  server = await startServer(await freePort(), {
    TURN_URLS: coturn.url,
    TURN_SECRET: coturn.secret,
    TURN_TTL: '600',
  })
  browser = await launchBrowser()
})

afterEach(async () => {
  for (const person of people.splice(0)) await person.context.close().catch(() => undefined)
})

afterAll(async () => {
  await browser?.close()
  await server?.kill()
  await coturn?.stop()
})

async function person(url: string): Promise<BoardPage> {
  const opened = await openBoard(await newPerson(browser), url)
  people.push(opened)
  return opened
}

interface SelectedPair {
  policy: string | undefined
  local: string | undefined
  remote: string | undefined
  localProtocol: string | undefined
}

/** The candidate types of the pair ICE selected towards the only other peer, from getStats. */
function selectedPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    type Mesh = {
      peers(): { id: string }[]
      connectionTo(id: string): RTCPeerConnection | null
    }
    const { mesh } = (window as unknown as { peerboard: { mesh: Mesh } }).peerboard
    const peer = mesh.peers()[0]
    const pc = peer === undefined ? null : mesh.connectionTo(peer.id)
    if (pc === null) return null
    const stats = [...(await pc.getStats()).values()] as Record<string, unknown>[]
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId)
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId)
    if (pair === undefined) return null
    const local = stats.find((s) => s.id === pair.localCandidateId)
    const remote = stats.find((s) => s.id === pair.remoteCandidateId)
    return {
      policy: pc.getConfiguration().iceTransportPolicy,
      local: local?.candidateType as string | undefined,
      remote: remote?.candidateType as string | undefined,
      localProtocol: local?.relayProtocol as string | undefined,
    }
  })
}

describe('TURN relay', () => {
  it('connects two relay-only pages through coturn and syncs the board', async () => {
    const a = await person(`${server.url}/?relay`)
    const fragment = new URL(a.page.url()).hash
    expect(fragment).toMatch(/^#[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/)
    const b = await person(`${server.url}/?relay${fragment}`)
    await waitForConnected(a.page, 1, 30_000)
    await waitForConnected(b.page, 1, 30_000)

    for (const page of [a.page, b.page]) {
      await expect
        .poll(() => selectedPair(page), { timeout: 10_000 })
        .toMatchObject({
          policy: 'relay',
          local: 'relay',
          remote: 'relay',
          localProtocol: 'udp',
        })
    }

    await drawStroke(a.page, zigzag)
    await waitForInk(b.page, 200, { x: 280, y: 130, width: 300, height: 120 })
  })

  it('does not force relay without the parameter', async () => {
    const a = await person(`${server.url}/`)
    const b = await person(a.page.url())
    await waitForConnected(b.page, 1, 30_000)
    // On loopback a direct pair always exists, and ICE prefers it over the relay.
    await expect
      .poll(() => selectedPair(b.page), { timeout: 10_000 })
      .toMatchObject({ policy: 'all', local: 'host', remote: 'host' })
  })
})
