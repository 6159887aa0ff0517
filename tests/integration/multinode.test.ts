/**
 * Two signaling servers sharing rooms through one real Redis, as behind a load balancer: every
 * room rule must hold whichever process a socket landed on.
 */
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectCluster, type Cluster } from '../../server/src/cluster.js'
import type { ServerConfig } from '../../server/src/config.js'
import { silentLogger } from '../../server/src/logger.js'
import { startRedis, type RedisServer } from '../helpers/redis'
import {
  disconnected,
  flush,
  join,
  joinOk,
  leave,
  signal,
  startServer,
  until,
  type TestServer,
} from './harness'

const PEER = 'peer-aaaaaaaaaaaaaaaaaaaaaaa'
const TOKEN = 'token-aaaaaaaaaaaaaaaaaaaaa'
const OTHER_TOKEN = 'token-bbbbbbbbbbbbbbbbbbbbb'

let redis: RedisServer
const running: TestServer[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterEach(async () => {
  for (const server of running.splice(0)) await server.close()
})

afterAll(async () => {
  await redis?.stop()
})

interface Node {
  server: TestServer
  cluster: Cluster
}

/** Signaling servers on their own ports, each with its own Redis connections. */
async function startNodes(
  count: number,
  overrides: Partial<ServerConfig> = {},
  timing: { heartbeatMs?: number; aliveTtlMs?: number } = {},
): Promise<Node[]> {
  // Keys per test, so tests never see each other's rooms.
  const prefix = `test-${randomBytes(6).toString('hex')}:`
  const nodes: Node[] = []
  for (let i = 0; i < count; i++) {
    const cluster = await connectCluster(redis.url, {
      maxPeers: overrides.maxPeers ?? 8,
      logger: silentLogger,
      prefix,
      ...timing,
    })
    const server = await startServer({ ...overrides, redisUrl: redis.url }, { cluster })
    running.push(server)
    nodes.push({ server, cluster })
  }
  return nodes
}

describe('rooms across processes', () => {
  it('peers on different nodes see each other join, and relay both ways', async () => {
    const [one, two] = await startNodes(2)
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    const first = await joinOk(a, { room: 'board' })
    const second = await joinOk(b, { room: 'board' })
    expect(first.peers).toEqual([])
    expect(second.peers).toEqual([first.self])
    await until(() => one!.server.heard(a).joined.length === 1)
    expect(one!.server.heard(a).joined).toEqual([second.self])

    expect(await signal(b, first.self, 'offer from two')).toEqual({ ok: true })
    expect(await signal(a, second.self, 'answer from one')).toEqual({ ok: true })
    await until(() => one!.server.heard(a).signals.length === 1)
    await until(() => two!.server.heard(b).signals.length === 1)
    expect(one!.server.heard(a).signals).toEqual([{ from: second.self, data: 'offer from two' }])
    expect(two!.server.heard(b).signals).toEqual([{ from: first.self, data: 'answer from one' }])
    // Each process counts the sockets it holds.
    expect(one!.server.app.signaling.stats()).toMatchObject({ rooms: 1, peers: 1 })
    expect(two!.server.app.signaling.stats()).toMatchObject({ rooms: 1, peers: 1 })
  })

  it('never relays across rooms, whatever node the target is on', async () => {
    const [one, two] = await startNodes(2)
    const a = await one!.server.connect()
    const x = await two!.server.connect()
    await joinOk(a, { room: 'one' })
    const other = await joinOk(x, { room: 'two' })
    expect(await signal(a, other.self, 'hello')).toMatchObject({ error: 'unknown-peer' })
    await flush(x)
    expect(two!.server.heard(x).signals).toEqual([])
  })

  it('refuses the peer beyond the cap, counting members on every node', async () => {
    const [one, two] = await startNodes(2, { maxPeers: 2 })
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    const late = await one!.server.connect()
    await joinOk(a, { room: 'board' })
    await joinOk(b, { room: 'board' })
    expect(await join(late, { room: 'board' })).toMatchObject({ ok: false, error: 'room-full' })
    await leave(b)
    expect((await join(late, { room: 'board' })).ok).toBe(true)
  })

  it('lets exactly one of two simultaneous joins on two nodes take the last seat', async () => {
    const [one, two] = await startNodes(2, { maxPeers: 2 })
    for (let round = 0; round < 10; round++) {
      const room = `race-${round}`
      await joinOk(await one!.server.connect(), { room })
      const [x, y] = [await one!.server.connect(), await two!.server.connect()]
      const answers = await Promise.all([join(x, { room }), join(y, { room })])
      expect(answers.filter((answer) => answer.ok)).toHaveLength(1)
      expect(answers.filter((answer) => !answer.ok)).toMatchObject([{ error: 'room-full' }])
    }
  })

  it('announces a leave and a disconnect on one node to members on the other', async () => {
    const [one, two] = await startNodes(2)
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    const c = await two!.server.connect()
    await joinOk(a, { room: 'board' })
    const second = await joinOk(b, { room: 'board' })
    const third = await joinOk(c, { room: 'board' })
    await leave(b)
    c.disconnect()
    await until(() => one!.server.heard(a).left.length === 2)
    expect(one!.server.heard(a).left).toEqual([second.self, third.self])
    expect(await signal(a, third.self, 'gone?')).toMatchObject({ error: 'unknown-peer' })
  })

  it('refuses a peer id bound on another node with another token', async () => {
    const [one, two] = await startNodes(2)
    const owner = await one!.server.connect()
    const thief = await two!.server.connect()
    const b = await two!.server.connect()
    await joinOk(owner, { room: 'board', peer: PEER, token: TOKEN })
    await joinOk(b, { room: 'board' })
    expect(await join(thief, { room: 'board', peer: PEER, token: OTHER_TOKEN })).toMatchObject({
      ok: false,
      error: 'peer-taken',
    })
    expect(await join(thief, { room: 'elsewhere', peer: PEER })).toMatchObject({
      error: 'peer-taken',
    })
    expect(owner.connected).toBe(true)
    expect(await signal(b, PEER, 'still yours')).toEqual({ ok: true })
    await until(() => one!.server.heard(owner).signals.length === 1)
  })

  it('lets the same peer and token resume on another node and drops the stale socket', async () => {
    const [one, two] = await startNodes(2)
    const old = await one!.server.connect()
    const b = await one!.server.connect()
    const fresh = await two!.server.connect()
    await joinOk(old, { room: 'board', peer: PEER, token: TOKEN })
    const other = await joinOk(b, { room: 'board' })
    const oldGone = disconnected(old)

    const resumed = await joinOk(fresh, { room: 'board', peer: PEER, token: TOKEN })
    expect(resumed).toMatchObject({ self: PEER, peers: [other.self] })
    expect(await oldGone).toBe('io server disconnect')

    expect(await signal(b, PEER, 'to the new socket')).toEqual({ ok: true })
    await until(() => two!.server.heard(fresh).signals.length === 1)
    await flush(b)
    // The takeover is silent: the stale socket's disconnect announces nothing.
    expect(one!.server.heard(b).left).toEqual([])
    expect(one!.server.heard(b).joined).toEqual([])
  })
})

describe('a process that goes away', () => {
  it('closing a node ends its memberships for the others', async () => {
    const [one, two] = await startNodes(2)
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    await joinOk(a, { room: 'board' })
    const leaving = await joinOk(b, { room: 'board' })
    await running.splice(running.indexOf(two!.server), 1)[0]!.close()
    await until(() => one!.server.heard(a).left.length === 1)
    expect(one!.server.heard(a).left).toEqual([leaving.self])
  })

  it('a crashed node leaves no ghosts: its members are evicted once its heartbeat expires', async () => {
    const [one, two] = await startNodes(2, { maxPeers: 2 }, { heartbeatMs: 100, aliveTtlMs: 400 })
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    await joinOk(a, { room: 'board' })
    const ghost = await joinOk(b, { room: 'board' })

    // No shutdown, no disconnect handlers reaching Redis: as after SIGKILL or a lost host.
    two!.cluster.store.stop()
    await two!.cluster.close()

    await until(() => one!.server.heard(a).left.length === 1, 5000)
    expect(one!.server.heard(a).left).toEqual([ghost.self])
    // The seat is free again and the ghost's id can be bound anew.
    const c = await one!.server.connect()
    expect((await join(c, { room: 'board', peer: ghost.self, token: TOKEN })).ok).toBe(true)
  })
})

describe('a process taken for dead', () => {
  it('closes its transports when it finds out, so its clients re-join', async () => {
    const [one, two] = await startNodes(2, {}, { heartbeatMs: 60_000, aliveTtlMs: 60_000 })
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    await joinOk(a, { room: 'board' })
    await joinOk(b, { room: 'board' })
    // As if one's heartbeats had stalled past the TTL: two sweeps it out.
    await expireHeartbeatOf(one!)
    expect(await two!.cluster.store.sweep()).toHaveLength(1)
    const gone = disconnected(a)
    await one!.cluster.store.start()
    expect(await gone).toBe('transport close')
    expect(two!.server.app.signaling.stats()).toMatchObject({ peers: 1 })
  })
})

describe('when Redis is unreachable', () => {
  it('drops the joining socket so it reconnects, instead of refusing it for good', async () => {
    const own = await startRedis()
    try {
      const cluster = await connectCluster(own.url, {
        maxPeers: 8,
        logger: silentLogger,
        prefix: 'outage:',
      })
      const server = await startServer({ redisUrl: own.url }, { cluster })
      running.push(server)
      await own.stop()
      const client = await server.connect()
      const gone = disconnected(client)
      const answer = join(client, { room: 'board' }).catch((error: unknown) => error)
      // A transport close, which Socket.IO clients answer by reconnecting; an 'io server
      // disconnect' or an error ack would end the tab's session.
      expect(await gone).toBe('transport close')
      expect(await answer).toBeInstanceOf(Error)
    } finally {
      await own.stop()
    }
  })
})

/** Deletes a process's liveness key, as its expiry would. */
async function expireHeartbeatOf(node: Node): Promise<void> {
  const client = createClient({ url: redis.url })
  await client.connect()
  try {
    const keys = await client.keys(`*node:${node.cluster.store.nodeId}:alive`)
    expect(keys).toHaveLength(1)
    await client.del(keys)
  } finally {
    await client.close()
  }
}

describe('a graceful shutdown', () => {
  it('tells only its own clients, ends its memberships for the others and closes its Redis connections', async () => {
    const [one, two] = await startNodes(2, { shutdownDrainMs: 0 })
    const a = await one!.server.connect()
    const b = await two!.server.connect()
    await joinOk(a, { room: 'board' })
    const leaving = await joinOk(b, { room: 'board' })
    const notices: string[] = []
    a.on('server-shutdown', () => notices.push('a'))
    b.on('server-shutdown', () => notices.push('b'))
    let clusterClosed = false
    const closeCluster = two!.cluster.close
    two!.cluster.close = async () => {
      clusterClosed = true
      await closeCluster()
    }
    const gone = disconnected(b)

    await two!.server.app.shutdown()

    expect(clusterClosed).toBe(true)
    await gone
    await until(() => one!.server.heard(a).left.length === 1, 10_000)
    expect(one!.server.heard(a).left).toEqual([leaving.self])
    // A notice sent to every node would have been published before the peer-left `a` heard.
    await flush(a)
    expect(notices).toEqual(['b'])
  })
})
