import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_SIGNAL_DATA_BYTES } from '../../shared/limits.js'
import {
  disconnected,
  flush,
  join,
  joinOk,
  leave,
  rawEmitWithAck,
  signal,
  startServer,
  untyped,
  until,
  type Client,
  type TestServer,
} from './harness.js'

const MAX_PEERS = 3
const PEER = 'tab-peer-id-aaaaaaaaaaaaaaa'
const TOKEN = 'tab-secret-token-aaaaaaaaaaaa'
const OTHER_TOKEN = 'someone-elses-token-bbbbbbbbb'
const BAD_REQUEST = { ok: false, error: 'bad-request', message: expect.stringMatching(/\S/) }

let server: TestServer

beforeEach(async () => {
  server = await startServer({ maxPeers: MAX_PEERS })
})

afterEach(async () => {
  await server.close()
})

async function clients(count: number): Promise<Client[]> {
  return Promise.all(Array.from({ length: count }, () => server.connect()))
}

describe('join', () => {
  it('answers with self, the other peers, ICE servers and the cap', async () => {
    const [a, b] = await clients(2)
    const first = await join(a!, { room: 'board' })
    expect(first).toEqual({
      ok: true,
      self: expect.any(String),
      peers: [],
      iceServers: [],
      maxPeers: MAX_PEERS,
    })
    const second = await joinOk(b!, { room: 'board', name: 'Ada' })
    expect(second.peers).toEqual([first.ok ? first.self : 'unreachable'])
    expect(server.app.signaling.stats()).toMatchObject({ connections: 2, rooms: 1, peers: 2 })
  })

  it('assigns random ids of at least 128 bits', async () => {
    const sockets = await clients(6)
    const ids = await Promise.all(
      sockets.map(async (client, i) => (await joinOk(client, { room: `room-${i % 2}` })).self),
    )
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/)
  })

  it('announces joins and leaves to the others only', async () => {
    const [a, b, c] = await clients(3)
    const first = await joinOk(a!, { room: 'board' })
    const second = await joinOk(b!, { room: 'board' })
    await until(() => server.heard(a!).joined.length === 1)
    expect(server.heard(a!).joined).toEqual([second.self])

    const third = await joinOk(c!, { room: 'board' })
    await until(() => server.heard(b!).joined.length === 1)
    expect(server.heard(b!).joined).toEqual([third.self])

    expect(await leave(b!)).toEqual({ ok: true })
    c!.disconnect()
    await until(() => server.heard(a!).left.length === 2)
    expect(server.heard(a!).left).toEqual([second.self, third.self])
    await flush(b!)
    expect(server.heard(b!).left).toEqual([])
    expect(server.heard(c!).joined).toEqual([])
    expect(first.peers).toEqual([])
  })

  it('re-joining the same room from the same socket changes nothing', async () => {
    const [a, b] = await clients(2)
    const first = await joinOk(a!, { room: 'board' })
    await joinOk(b!, { room: 'board' })
    const again = await joinOk(a!, { room: 'board' })
    expect(again.self).toBe(first.self)
    await flush(b!)
    expect(server.heard(b!).joined).toEqual([])
    expect(server.heard(b!).left).toEqual([])
  })

  it('hands out TURN credentials for the joining peer', async () => {
    await server.close()
    const nowMs = Date.UTC(2026, 0, 1)
    server = await startServer(
      {
        stunUrls: ['stun:stun.example.test'],
        turnUrls: ['turn:turn.example.test:3478'],
        turnSecret: 'test-secret',
        turnTtlSeconds: 300,
      },
      { now: () => nowMs },
    )
    const answer = await joinOk(await server.connect(), { room: 'board' })
    const username = `${nowMs / 1000 + 300}:${answer.self}`
    expect(answer.iceServers).toEqual([
      { urls: ['stun:stun.example.test'] },
      {
        urls: ['turn:turn.example.test:3478'],
        username,
        credential: createHmac('sha1', 'test-secret').update(username).digest('base64'),
      },
    ])
  })

  it('refuses a peer beyond the cap with a clear message', async () => {
    const sockets = await clients(MAX_PEERS + 1)
    const members = sockets.slice(0, MAX_PEERS)
    const late = sockets[MAX_PEERS]!
    for (const client of members) await joinOk(client, { room: 'board' })
    expect(await join(late, { room: 'board' })).toEqual({
      ok: false,
      error: 'room-full',
      message: `This board already has ${MAX_PEERS} people, the most a peer-to-peer mesh supports.`,
    })
    await flush(members[0]!)
    expect(server.heard(members[0]!).joined).toHaveLength(MAX_PEERS - 1)

    await leave(members[1]!)
    expect((await join(late, { room: 'board' })).ok).toBe(true)
  })

  it('moves a socket that joins a second room out of the first', async () => {
    const [a, b, c] = await clients(3)
    const first = await joinOk(a!, { room: 'one' })
    await joinOk(b!, { room: 'one' })
    const other = await joinOk(c!, { room: 'two' })
    const moved = await joinOk(a!, { room: 'two' })
    expect(moved.peers).toEqual([other.self])
    await until(() => server.heard(b!).left.length === 1)
    expect(server.heard(b!).left).toEqual([first.self])
    expect(await signal(b!, first.self, 'hello')).toMatchObject({ error: 'unknown-peer' })
    expect(server.app.signaling.stats()).toMatchObject({ rooms: 2, peers: 3 })
  })
})

describe('join in the connection auth', () => {
  const authJoin = async (auth: Record<string, unknown>) => {
    const client = await server.connect(auth)
    await until(() => server.heard(client).authJoins.length > 0)
    return { client, answer: server.heard(client).authJoins[0]! }
  }

  it('joins as the socket connects and answers with a joined event', async () => {
    const [member] = await clients(1)
    const first = await joinOk(member!, { room: 'board' })
    const { client, answer } = await authJoin({ join: { room: 'board', peer: PEER, token: TOKEN } })
    expect(answer).toEqual({
      ok: true,
      self: PEER,
      peers: [first.self],
      iceServers: [],
      maxPeers: MAX_PEERS,
    })
    await until(() => server.heard(member!).joined.length > 0)
    expect(server.heard(member!).joined).toEqual([PEER])

    // Signals flow before (and without) an explicit join.
    expect(await signal(client, first.self, 'offer')).toEqual({ ok: true })
    await until(() => server.heard(member!).signals.length > 0)
    expect(server.heard(member!).signals).toEqual([{ from: PEER, data: 'offer' }])
  })

  it('makes the explicit join that follows an idempotent re-join, announced once', async () => {
    const [member] = await clients(1)
    await joinOk(member!, { room: 'board' })
    const request = { room: 'board', peer: PEER, token: TOKEN }
    const { client } = await authJoin({ join: request })
    const explicit = await joinOk(client, request)
    expect(explicit.self).toBe(PEER)
    await flush(member!)
    expect(server.heard(member!).joined).toEqual([PEER])
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^peerboard_joins_total 2$/m)
  })

  it('answers a malformed auth join with bad-request, and the socket can still join', async () => {
    for (const join of [null, 'board', { room: '../etc' }, { room: 'board', peer: 7 }]) {
      const { client, answer } = await authJoin({ join })
      expect(answer).toEqual(BAD_REQUEST)
      expect((await joinOk(client, { room: 'board' })).peers).toEqual([])
      client.disconnect()
    }
  })

  it('refuses an auth join to a full room with the same answer as a join', async () => {
    const members = await clients(MAX_PEERS)
    for (const client of members) await joinOk(client, { room: 'board' })
    const { client, answer } = await authJoin({ join: { room: 'board' } })
    expect(answer).toEqual({ ok: false, error: 'room-full', message: expect.stringMatching(/\S/) })
    expect(await join(client, { room: 'board' })).toEqual(answer)
    await flush(members[0]!)
    expect(server.heard(members[0]!).joined).toHaveLength(MAX_PEERS - 1)
  })

  it('ignores an auth without a join', async () => {
    const client = await server.connect({ name: 'someone' })
    await flush(client)
    expect(server.heard(client).authJoins).toEqual([])
    expect((await joinOk(client, { room: 'board' })).peers).toEqual([])
  })
})

describe('stable identity', () => {
  it('a new socket with the same peer and token takes over silently', async () => {
    const [old, b, c, fresh] = await clients(4)
    await joinOk(old!, { room: 'board', peer: PEER, token: TOKEN })
    const other = await joinOk(b!, { room: 'board' })
    await joinOk(c!, { room: 'board' })
    const oldGone = disconnected(old!)

    // The room is full, but a takeover adds nobody.
    const resumed = await joinOk(fresh!, { room: 'board', peer: PEER, token: TOKEN })
    expect(resumed.self).toBe(PEER)
    expect(resumed.peers).toHaveLength(2)
    expect(resumed.peers).toContain(other.self)
    expect(await oldGone).toBe('io server disconnect')

    await flush(b!)
    expect(server.heard(b!).left).toEqual([])
    expect(server.heard(b!).joined).toHaveLength(1)

    expect(await signal(b!, PEER, 'to the new socket')).toEqual({ ok: true })
    await until(() => server.heard(fresh!).signals.length === 1)
    expect(server.heard(fresh!).signals).toEqual([{ from: other.self, data: 'to the new socket' }])
    expect(server.heard(old!).signals).toEqual([])
    expect(server.app.signaling.stats()).toMatchObject({ rooms: 1, peers: 3 })
  })

  it('refuses the same peer id with another token', async () => {
    const [owner, b, thief] = await clients(3)
    await joinOk(owner!, { room: 'board', peer: PEER, token: TOKEN })
    await joinOk(b!, { room: 'board' })
    expect(await join(thief!, { room: 'board', peer: PEER, token: OTHER_TOKEN })).toEqual({
      ok: false,
      error: 'peer-taken',
      message: expect.stringMatching(/\S/),
    })
    expect(await join(thief!, { room: 'elsewhere', peer: PEER })).toMatchObject({
      error: 'peer-taken',
    })
    expect(owner!.connected).toBe(true)
    expect(await signal(b!, PEER, 'still yours')).toEqual({ ok: true })
    await until(() => server.heard(owner!).signals.length === 1)
    expect(server.heard(owner!).signals[0]?.data).toBe('still yours')
    expect(server.heard(thief!).signals).toEqual([])
  })

  it('frees the id once its peer has left', async () => {
    const [first, second] = await clients(2)
    await joinOk(first!, { room: 'board', peer: PEER, token: TOKEN })
    await leave(first!)
    const rebound = await joinOk(second!, { room: 'board', peer: PEER, token: OTHER_TOKEN })
    expect(rebound.self).toBe(PEER)
  })
})

describe('signal', () => {
  it('relays to the addressed peer only, with the sender id set by the server', async () => {
    const [a, b, c] = await clients(3)
    const sender = await joinOk(a!, { room: 'board' })
    const target = await joinOk(b!, { room: 'board' })
    const bystander = await joinOk(c!, { room: 'board' })

    expect(await signal(a!, target.self, 'sealed-offer')).toEqual({ ok: true })
    await until(() => server.heard(b!).signals.length === 1)
    expect(server.heard(b!).signals).toEqual([{ from: sender.self, data: 'sealed-offer' }])

    const spoofed = await rawEmitWithAck(a!, 'signal', {
      to: target.self,
      data: 'forged',
      from: bystander.self,
    })
    expect(spoofed).toEqual({ ...BAD_REQUEST, message: expect.stringContaining('from') })

    await flush(b!)
    await flush(c!)
    expect(server.heard(b!).signals).toHaveLength(1)
    expect(server.heard(c!).signals).toEqual([])
  })

  it('never crosses rooms', async () => {
    const [a, b, x] = await clients(3)
    const inOne = await joinOk(a!, { room: 'one' })
    await joinOk(b!, { room: 'one' })
    const inTwo = await joinOk(x!, { room: 'two' })
    const answer = await signal(a!, inTwo.self, 'hello')
    expect(answer).toEqual({ ok: false, error: 'unknown-peer', message: expect.any(String) })
    expect(await signal(x!, inOne.self, 'hello')).toMatchObject({ error: 'unknown-peer' })
    await flush(x!)
    await flush(a!)
    expect(server.heard(x!).signals).toEqual([])
    expect(server.heard(a!).signals).toEqual([])
  })

  it('requires the sender to have joined', async () => {
    const [a, b] = await clients(2)
    const target = await joinOk(b!, { room: 'board' })
    expect(await signal(a!, target.self, 'hi')).toEqual({
      ok: false,
      error: 'not-joined',
      message: expect.any(String),
    })
    await joinOk(a!, { room: 'board' })
    await leave(a!)
    expect(await signal(a!, target.self, 'hi')).toMatchObject({ error: 'not-joined' })
    await flush(b!)
    expect(server.heard(b!).signals).toEqual([])
  })

  it('accepts 64 KiB of data and refuses one byte more', async () => {
    const [a, b] = await clients(2)
    await joinOk(a!, { room: 'board' })
    const target = await joinOk(b!, { room: 'board' })
    const largest = 'x'.repeat(MAX_SIGNAL_DATA_BYTES)
    expect(await signal(a!, target.self, largest)).toEqual({ ok: true })
    expect(await signal(a!, target.self, `${largest}y`)).toEqual({
      ...BAD_REQUEST,
      message: expect.stringContaining(`${MAX_SIGNAL_DATA_BYTES}`),
    })
    await flush(b!)
    expect(server.heard(b!).signals.map((event) => event.data.length)).toEqual([
      MAX_SIGNAL_DATA_BYTES,
    ])
  })

  it('drops only the socket that sends beyond the message limit', async () => {
    const [big, b, c] = await clients(3)
    const offender = await joinOk(big!, { room: 'board' })
    await joinOk(b!, { room: 'board' })
    const target = await joinOk(c!, { room: 'board' })
    const gone = disconnected(big!)
    untyped(big!).emit('signal', { to: target.self, data: 'x'.repeat(200 * 1024) })
    expect(await gone).toMatch(/transport/)

    await until(() => server.heard(b!).left.length === 1)
    expect(server.heard(b!).left).toEqual([offender.self])
    expect(await signal(b!, target.self, 'still working')).toEqual({ ok: true })
    await until(() => server.heard(c!).signals.length === 1)
    expect(server.heard(c!).signals[0]?.data).toBe('still working')
    expect(server.heard(c!).signals.some((event) => event.from === offender.self)).toBe(false)
  })
})

describe('leave', () => {
  it('announces the departure and is idempotent', async () => {
    const [a, b] = await clients(2)
    const leaving = await joinOk(a!, { room: 'board' })
    await joinOk(b!, { room: 'board' })
    expect(await leave(a!)).toEqual({ ok: true })
    await until(() => server.heard(b!).left.length === 1)
    expect(server.heard(b!).left).toEqual([leaving.self])
    expect(await leave(a!)).toEqual({ ok: true })
    await flush(b!)
    expect(server.heard(b!).left).toHaveLength(1)
    expect(server.app.signaling.stats()).toMatchObject({ rooms: 1, peers: 1 })
  })
})

describe('malformed input', () => {
  const VALID_ID = 'A'.repeat(22)

  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'board'],
    ['an array', [{ room: 'board' }]],
    ['no room', {}],
    ['an empty room', { room: '' }],
    ['bad room characters', { room: 'my board!' }],
    ['a path as room', { room: '../etc' }],
    ['a room of 65 characters', { room: 'r'.repeat(65) }],
    ['a numeric room', { room: 7 }],
    ['an extra field', { room: 'board', admin: true }],
    ['a short peer id', { room: 'board', peer: 'short' }],
    ['a short token', { room: 'board', peer: VALID_ID, token: 'x' }],
    ['a long name', { room: 'board', name: 'n'.repeat(65) }],
  ])('join with %s gets bad-request and the server carries on', async (_label, payload) => {
    const client = await server.connect()
    expect(await rawEmitWithAck(client, 'join', payload)).toEqual(BAD_REQUEST)
    expect((await join(client, { room: 'board' })).ok).toBe(true)
  })

  it.each([
    ['null', null],
    ['a number', 7],
    ['a string', 'hello'],
    ['an array', [VALID_ID, 'data']],
    ['no data', { to: VALID_ID }],
    ['no target', { data: 'x' }],
    ['non-string data', { to: VALID_ID, data: 5 }],
    ['object data', { to: VALID_ID, data: { sdp: 'x' } }],
    ['empty data', { to: VALID_ID, data: '' }],
    ['non-ASCII data', { to: VALID_ID, data: 'héllo' }],
    ['a malformed target', { to: 'short', data: 'x' }],
    ['an extra field', { to: VALID_ID, data: 'x', room: 'other' }],
  ])('signal with %s gets bad-request', async (_label, payload) => {
    const [a, b] = await clients(2)
    await joinOk(a!, { room: 'board' })
    await joinOk(b!, { room: 'board' })
    expect(await rawEmitWithAck(a!, 'signal', payload)).toEqual(BAD_REQUEST)
    await flush(b!)
    expect(server.heard(b!).signals).toEqual([])
  })

  it.each([
    ['a string', 'now'],
    ['a field', { room: 'board' }],
    ['an array', []],
  ])('leave with %s gets bad-request and keeps the membership', async (_label, payload) => {
    const client = await server.connect()
    const joined = await joinOk(client, { room: 'board' })
    expect(await rawEmitWithAck(client, 'leave', payload)).toEqual(BAD_REQUEST)
    expect((await joinOk(client, { room: 'board' })).self).toBe(joined.self)
  })

  it('answers an ack-only emit and extra arguments', async () => {
    const client = await server.connect()
    expect(await rawEmitWithAck(client, 'join')).toEqual(BAD_REQUEST)
    expect(await rawEmitWithAck(client, 'leave')).toEqual({ ok: true })
    expect(await rawEmitWithAck(client, 'join', { room: 'board' }, 'extra')).toEqual(BAD_REQUEST)
    expect((await join(client, { room: 'board' })).ok).toBe(true)
  })

  it('survives emits without an acknowledgement', async () => {
    const [a, b] = await clients(2)
    const raw = untyped(a!)
    raw.emit('join', null)
    raw.emit('join', { room: 'board' }, 'not a function')
    raw.emit('signal', { to: 'A'.repeat(22), data: 'x' })
    raw.emit('leave', 'nope')
    raw.emit('join', { room: 'board' })
    raw.emit('unknown-event', { room: 'board' })
    // The last join went through even though nobody was there to hear the answer.
    await until(() => server.app.signaling.stats().peers === 1)
    const joined = await joinOk(b!, { room: 'board' })
    expect(joined.peers).toHaveLength(1)
    expect(a!.connected).toBe(true)
    expect(await leave(a!)).toEqual({ ok: true })
  })
})

describe('failures and logs', () => {
  it('answers bad-request when a handler throws, logs it, and keeps serving', async () => {
    await server.close()
    const lines: string[] = []
    const capture = (msg: string, fields?: Record<string, unknown>): void => {
      lines.push(
        JSON.stringify({ msg, ...fields }, (_key, value: unknown) =>
          value instanceof Error ? value.message : value,
        ),
      )
    }
    let clockBroken = true
    server = await startServer(
      {},
      {
        logger: { info: capture, warn: capture, error: capture },
        now: () => {
          if (clockBroken) throw new Error('clock broke')
          return Date.now()
        },
      },
    )
    const [a, b] = await clients(2)
    expect(await join(a!, { room: 'secret-room', peer: PEER, token: TOKEN })).toEqual({
      ...BAD_REQUEST,
      message: 'The server could not handle this request.',
    })
    expect(lines.some((line) => line.includes('clock broke'))).toBe(true)

    clockBroken = false
    const other = await joinOk(b!, { room: 'secret-room' })
    // The failed join left no trace: the peer id is still free and nobody was announced.
    expect(other.peers).toEqual([])
    expect((await joinOk(a!, { room: 'secret-room', peer: PEER, token: TOKEN })).self).toBe(PEER)
    expect(await signal(b!, PEER, 'sealed-payload-data')).toEqual({ ok: true })
    await until(() => server.heard(a!).signals.length === 1)
    expect(server.heard(a!).signals).toEqual([{ from: other.self, data: 'sealed-payload-data' }])

    const log = lines.join('\n')
    for (const secret of ['secret-room', TOKEN, 'sealed-payload-data']) {
      expect(log).not.toContain(secret)
    }
  })
})
