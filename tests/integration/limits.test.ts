/**
 * Rate limits and caps against the real server with real socket.io-client sockets. Flood
 * assertions bound what passed by the bucket and the time actually taken, never by wall-clock
 * expectations.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { io as connectSocket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/src/config.js'
import { DEFAULT_LIMITS, type LimitsConfig } from '../../server/src/limits.js'
import { silentLogger, type Logger } from '../../server/src/logger.js'
import { MemoryRoomStore } from '../../server/src/room-store.js'
import { RoomRegistry, type Membership } from '../../server/src/rooms.js'
import { createSignalingServer } from '../../server/src/signaling.js'
import {
  join,
  joinOk,
  signal,
  startServer,
  until,
  type Client,
  type TestServer,
} from './harness.js'

let server: TestServer | undefined
const extra: Client[] = []

afterEach(async () => {
  for (const client of extra.splice(0)) client.disconnect()
  await server?.close()
  server = undefined
})

async function start(limits: Partial<LimitsConfig>, logger?: Logger): Promise<TestServer> {
  server = await startServer(
    { limits: { ...DEFAULT_LIMITS, ...limits }, trustProxy: true },
    logger ? { logger } : {},
  )
  return server
}

interface Refusal {
  message: string
  data?: unknown
}

/** Connects and resolves with the client, or with the server's refusal. */
function attempt(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ client: Client } | { refused: Refusal }> {
  const client: Client = connectSocket(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: headers,
  })
  extra.push(client)
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client }))
    client.once('connect_error', (error: Error & { data?: unknown }) =>
      resolve({ refused: { message: error.message, data: error.data } }),
    )
  })
}

async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const match = text.split('\n').find((candidate) => line.test(candidate))
  return match === undefined ? 0 : Number(match.split(' ').at(-1))
}

function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const push = (msg: string, fields?: Record<string, unknown>) =>
    lines.push(JSON.stringify({ msg, ...fields }))
  return { logger: { info: push, warn: push, error: push }, lines }
}

describe('signal rate limit', () => {
  it('lets a 50-message ICE exchange through untouched', async () => {
    const s = await start({})
    const [a, b] = await Promise.all([s.connect(), s.connect()])
    await joinOk(a!, { room: 'ice' })
    const target = await joinOk(b!, { room: 'ice' })
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signal(a!, target.self, `candidate-${i}`)),
    )
    expect(answers.every((answer) => answer.ok)).toBe(true)
    await until(() => s.heard(b!).signals.length === 50)
    expect(s.heard(b!).signals.map((event) => event.data)).toEqual(
      Array.from({ length: 50 }, (_, i) => `candidate-${i}`),
    )
    expect(await metric(s.url, /^peerboard_rejects_total/)).toBe(0)
  })

  it('cuts a flood to the bucket, answers rate-limited, counts it and logs it once', async () => {
    const { logger, lines } = captureLogger()
    const burst = 20
    const perSecond = 5
    const s = await start({ signalBurst: burst, signalPerSecond: perSecond }, logger)
    const [a, b] = await Promise.all([s.connect(), s.connect()])
    await joinOk(a!, { room: 'flood' })
    const target = await joinOk(b!, { room: 'flood' })

    const started = performance.now()
    const answers = await Promise.all(
      Array.from({ length: 300 }, () => signal(a!, target.self, 'sealed-flood-payload')),
    )
    const elapsedS = (performance.now() - started) / 1000
    const passed = answers.filter((answer) => answer.ok).length
    expect(passed).toBeGreaterThanOrEqual(burst)
    expect(passed).toBeLessThanOrEqual(burst + Math.ceil(elapsedS * perSecond) + 1)
    for (const answer of answers.filter((candidate) => !candidate.ok)) {
      expect(answer).toEqual({
        ok: false,
        error: 'rate-limited',
        message: expect.stringMatching(/\S/),
      })
    }
    await until(() => s.heard(b!).signals.length === passed)

    const rejected = 300 - passed
    expect(
      await metric(s.url, /^peerboard_rejects_total\{event="signal",reason="rate-limited"\}/),
    ).toBe(rejected)
    const refusals = lines.filter((line) => line.includes('rate-limited'))
    expect(refusals).toHaveLength(1)
    expect(lines.join('\n')).not.toContain('sealed-flood-payload')
  })
})

describe('join rate limit', () => {
  it('answers rate-limited past the join burst', async () => {
    const s = await start({ joinBurst: 3, joinPerMinute: 1 })
    const client = await s.connect()
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await join(client, { room: `room-${i}` }))
    expect(answers.slice(0, 3).every((answer) => answer.ok)).toBe(true)
    expect(answers.slice(3)).toEqual(
      Array.from({ length: 3 }, () =>
        expect.objectContaining({ ok: false, error: 'rate-limited' }),
      ),
    )
  })
})

describe('connection caps', () => {
  it('refuses sockets past the per-address cap with a readable connect_error', async () => {
    const s = await start({ maxConnectionsPerIp: 2 })
    const first = await attempt(s.url, { 'X-Forwarded-For': '10.0.0.1' })
    const second = await attempt(s.url, { 'X-Forwarded-For': '10.0.0.1' })
    expect('client' in first && 'client' in second).toBe(true)
    const third = await attempt(s.url, { 'X-Forwarded-For': '10.0.0.1' })
    expect(third).toEqual({
      refused: {
        message: 'too-many-connections',
        data: { ok: false, error: 'too-many-connections', message: expect.stringMatching(/\S/) },
      },
    })
    // Another address is not affected; a freed slot is usable again.
    expect('client' in (await attempt(s.url, { 'X-Forwarded-For': '10.0.0.2' }))).toBe(true)
    if ('client' in first) first.client.disconnect()
    await until(() => s.app.signaling.stats().connections === 2)
    expect('client' in (await attempt(s.url, { 'X-Forwarded-For': '10.0.0.1' }))).toBe(true)
    expect(
      await metric(
        s.url,
        /^peerboard_rejects_total\{event="connection",reason="too-many-connections"\}/,
      ),
    ).toBe(1)
  })

  it('refuses sockets past the total cap as server-full', async () => {
    const s = await start({ maxConnections: 2 })
    await Promise.all([s.connect(), s.connect()])
    const refused = await attempt(s.url)
    expect(refused).toMatchObject({ refused: { message: 'server-full' } })
    expect(await metric(s.url, /^peerboard_sockets /)).toBe(2)
  })

  it('refuses a new room past the rooms cap but still joins existing ones', async () => {
    const s = await start({ maxRooms: 2 })
    const [a, b, c, d] = await Promise.all([s.connect(), s.connect(), s.connect(), s.connect()])
    await joinOk(a!, { room: 'one' })
    await joinOk(b!, { room: 'two' })
    expect(await join(c!, { room: 'three' })).toEqual({
      ok: false,
      error: 'server-full',
      message: expect.stringMatching(/\S/),
    })
    expect((await joinOk(d!, { room: 'one' })).peers).toHaveLength(1)
  })
})

describe('rate limits and the per-socket queue', () => {
  it('refuses a flood on receipt, while the socket’s earlier requests wait on a slow store', async () => {
    // A store that does not answer until released, as Redis under load.
    let release = (): void => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    class SlowStore extends MemoryRoomStore {
      override async peerOf(socketId: string): Promise<Membership | undefined> {
        await released
        return super.peerOf(socketId)
      }
    }
    const httpServer = http.createServer()
    const signaling = createSignalingServer(httpServer, {
      config: { ...loadConfig({}), limits: { ...DEFAULT_LIMITS, signalBurst: 5 } },
      logger: silentLogger,
      // Frozen: the bucket never refills during the test.
      clock: () => 0,
      store: new SlowStore(new RoomRegistry({ maxPeers: 8 })),
    })
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
    const { port } = httpServer.address() as AddressInfo
    const client: Client = connectSocket(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    })
    extra.push(client)
    try {
      await new Promise<void>((resolve) => client.once('connect', () => resolve()))
      await joinOk(client, { room: 'slow' })
      const answers = Array.from({ length: 8 }, () =>
        signal(client, 'nobody-aaaaaaaaaaaaaaaaaaa', 'x'),
      )
      // The three past the burst are answered while the first five still wait in the queue.
      const refused = await Promise.all(answers.slice(5))
      expect(refused.map((answer) => !answer.ok && answer.error)).toEqual(
        Array(3).fill('rate-limited'),
      )
      release()
      const queued = await Promise.all(answers.slice(0, 5))
      expect(queued.map((answer) => !answer.ok && answer.error)).toEqual(
        Array(5).fill('unknown-peer'),
      )
    } finally {
      release()
      client.disconnect()
      await signaling.close()
    }
  })
})
