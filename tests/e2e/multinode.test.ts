/**
 * Two real server processes sharing one real Redis, as behind a load balancer without sticky
 * sessions: a person on each node opens the same board, they connect and draw together.
 */
import type { Browser } from 'playwright-core'
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
import { freePort } from '../helpers/ports'
import { startRedis, type RedisServer } from '../helpers/redis'
import { startServer, type ServerProcess } from '../helpers/server-process'

let redis: RedisServer
const nodes: ServerProcess[] = []
let browser: Browser
const people: BoardPage[] = []

beforeAll(async () => {
  redis = await startRedis()
  for (let i = 0; i < 2; i++) {
    nodes.push(await startServer(await freePort(), { REDIS_URL: redis.url }))
  }
  browser = await launchBrowser()
})

afterEach(async () => {
  for (const person of people.splice(0)) await person.context.close().catch(() => undefined)
})

afterAll(async () => {
  await browser?.close()
  for (const node of nodes) await node.kill()
  await redis?.stop()
})

async function person(url: string): Promise<BoardPage> {
  const opened = await openBoard(await newPerson(browser), url)
  people.push(opened)
  return opened
}

describe('two signaling processes', () => {
  it('connects a person on node 1 with a person on node 2, and they draw together', async () => {
    const [one, two] = nodes
    const a = await person(`${one!.url}/`)
    const fragment = new URL(a.page.url()).hash
    const b = await person(`${two!.url}/${fragment}`)
    await waitForConnected(a.page, 1)
    await waitForConnected(b.page, 1)

    await drawStroke(a.page, zigzag)
    await waitForInk(b.page, 200, { x: 280, y: 130, width: 300, height: 120 })
    await drawStroke(b.page, [
      [500, 400],
      [600, 450],
      [700, 400],
    ])
    await waitForInk(a.page, 100, { x: 480, y: 380, width: 240, height: 90 })

    // Both processes took part: each holds one of the two sockets.
    for (const node of [one!, two!]) expect(node.output()).toMatch(/sharing rooms through Redis/)
  })

  it('shows a third person on node 2 to both, and their leaving to the person on node 1', async () => {
    const [one, two] = nodes
    const a = await person(`${one!.url}/`)
    const fragment = new URL(a.page.url()).hash
    const b = await person(`${two!.url}/${fragment}`)
    const c = await person(`${two!.url}/${fragment}`)
    for (const p of [a, b, c]) await waitForConnected(p.page, 2)
    await c.page.close()
    await a.page.waitForFunction(
      () => document.querySelectorAll('[data-peer]').length === 1,
      null,
      {
        timeout: 15_000,
      },
    )
    await drawStroke(b.page, zigzag)
    await waitForInk(a.page, 200)
  })
})
