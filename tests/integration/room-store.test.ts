/**
 * The room rules, run against both stores: the in-memory one and the Redis one (real Redis),
 * so the Lua scripts are held to exactly the behaviour of `RoomRegistry`.
 */
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisRoomStore } from '../../server/src/redis-room-store.js'
import { MemoryRoomStore, type RoomStore } from '../../server/src/room-store.js'
import { RoomRegistry, type JoinResult, type Joined } from '../../server/src/rooms.js'
import { startRedis, type RedisServer } from '../helpers/redis'

const PEER_A = 'peer-a-aaaaaaaaaaaaaaaaaaaa'
const PEER_B = 'peer-b-bbbbbbbbbbbbbbbbbbbb'
const TOKEN_A = 'token-a-aaaaaaaaaaaaaaaaaaa'
const TOKEN_B = 'token-b-bbbbbbbbbbbbbbbbbbb'

let redis: RedisServer
let client: ReturnType<typeof createClient>

beforeAll(async () => {
  redis = await startRedis()
  client = createClient({ url: redis.url })
  await client.connect()
})

afterAll(async () => {
  await client?.quit()
  await redis?.stop()
})

type MakeStore = (maxPeers: number, randomId?: () => string) => RoomStore

const stores: [string, MakeStore][] = [
  ['memory', (maxPeers, randomId) => new MemoryRoomStore(new RoomRegistry({ maxPeers, randomId }))],
  [
    'redis',
    (maxPeers, randomId) =>
      new RedisRoomStore(client, {
        maxPeers,
        prefix: `test-${randomBytes(6).toString('hex')}:`,
        ...(randomId === undefined ? {} : { randomId }),
      }),
  ],
]

function joined(result: JoinResult): Joined {
  if (!result.ok) throw new Error(`expected a join, got ${result.error}`)
  return result
}

describe.each(stores)('%s room store', (_name, makeStore) => {
  it('lists the other members in join order and assigns 128-bit ids', async () => {
    const store = makeStore(8)
    const a = joined(await store.join('room', 's1', PEER_A))
    const b = joined(await store.join('room', 's2', PEER_B))
    const c = joined(await store.join('room', 's3'))
    expect(a.peers).toEqual([])
    expect(b.peers).toEqual([PEER_A])
    expect(c.peers).toEqual([PEER_A, PEER_B])
    expect(c).toMatchObject({ alreadyMember: false, departed: [] })
    expect(c.self).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(c.replacedSocketId).toBeUndefined()
    expect(await store.socketsIn('room')).toEqual(['s1', 's2', 's3'])
    expect(await store.socketsIn('room', PEER_B)).toEqual(['s1', 's3'])
  })

  it('treats a re-join of the same socket to the same room as a no-op', async () => {
    const store = makeStore(2)
    const first = joined(await store.join('room', 's1'))
    joined(await store.join('room', 's2'))
    expect(joined(await store.join('room', 's1'))).toMatchObject({
      self: first.self,
      alreadyMember: true,
      departed: [],
    })
    expect(joined(await store.join('room', 's1', first.self))).toMatchObject({
      self: first.self,
      alreadyMember: true,
    })
    expect(store.stats()).toEqual({ rooms: 1, peers: 2 })
  })

  it('refuses a join beyond maxPeers without creating state, and frees a seat on leave', async () => {
    const store = makeStore(2)
    joined(await store.join('room', 's1'))
    const second = joined(await store.join('room', 's2'))
    expect(await store.join('room', 's3')).toEqual({ ok: false, error: 'room-full' })
    expect(await store.peerOf('s3')).toBeUndefined()
    expect(await store.leave('s2')).toEqual({ room: 'room', peer: second.self })
    expect((await store.join('room', 's3')).ok).toBe(true)
  })

  it('binds a peer id to its token and refuses another token or none', async () => {
    const store = makeStore(8)
    joined(await store.join('room', 's1', PEER_A, TOKEN_A))
    expect(await store.join('room', 's2', PEER_A, TOKEN_B)).toEqual({
      ok: false,
      error: 'peer-taken',
    })
    expect(await store.join('room', 's2', PEER_A)).toEqual({ ok: false, error: 'peer-taken' })
    expect(await store.socketOf('room', PEER_A)).toBe('s1')
  })

  it('never lets anyone resume a peer that joined without a token', async () => {
    const store = makeStore(8)
    joined(await store.join('room', 's1', PEER_A))
    expect(await store.join('room', 's2', PEER_A, TOKEN_A)).toEqual({
      ok: false,
      error: 'peer-taken',
    })
  })

  it('replaces the stale socket when the same token comes from a new socket', async () => {
    const store = makeStore(2)
    joined(await store.join('room', 's1', PEER_A, TOKEN_A))
    joined(await store.join('room', 's2', PEER_B))
    const resumed = joined(await store.join('room', 's3', PEER_A, TOKEN_A))
    expect(resumed).toMatchObject({
      self: PEER_A,
      peers: [PEER_B],
      alreadyMember: true,
      replacedSocketId: 's1',
      departed: [],
    })
    expect(await store.socketOf('room', PEER_A)).toBe('s3')
    expect(await store.leave('s1')).toBeNull()
    expect(await store.socketsIn('room')).toEqual(['s3', 's2'])
  })

  it('drops the binding when the peer leaves, so the id can be bound again', async () => {
    const store = makeStore(8)
    joined(await store.join('room', 's1', PEER_A, TOKEN_A))
    await store.leave('s1')
    expect(joined(await store.join('room', 's2', PEER_A, TOKEN_B))).toMatchObject({
      self: PEER_A,
      alreadyMember: false,
    })
    expect(await store.join('room', 's3', PEER_A, TOKEN_A)).toEqual({
      ok: false,
      error: 'peer-taken',
    })
  })

  it('moves a socket that joins another room out of the first one', async () => {
    const store = makeStore(8)
    const a = joined(await store.join('first', 's1'))
    joined(await store.join('first', 's2'))
    const moved = joined(await store.join('second', 's1'))
    expect(moved).toMatchObject({
      alreadyMember: false,
      departed: [{ room: 'first', peer: a.self }],
    })
    expect(await store.peerOf('s1')).toEqual({ room: 'second', peer: moved.self })
    expect(await store.socketsIn('first')).toEqual(['s2'])
  })

  it('moves a resumed peer out of its old room when it resumes into another one', async () => {
    const store = makeStore(8)
    joined(await store.join('first', 's1', PEER_A, TOKEN_A))
    expect(joined(await store.join('second', 's2', PEER_A, TOKEN_A))).toMatchObject({
      alreadyMember: false,
      replacedSocketId: 's1',
      departed: [{ room: 'first', peer: PEER_A }],
    })
    expect(await store.peerOf('s1')).toBeUndefined()
    expect(store.stats()).toEqual({ rooms: 1, peers: 1 })
  })

  it('lets a socket switch identity inside a full room', async () => {
    const store = makeStore(2)
    const old = joined(await store.join('room', 's1'))
    joined(await store.join('room', 's2'))
    const renamed = joined(await store.join('room', 's1', PEER_A))
    expect(renamed).toMatchObject({
      alreadyMember: false,
      departed: [{ room: 'room', peer: old.self }],
    })
  })

  it('refuses a switch to a full room and keeps the old membership', async () => {
    const store = makeStore(2)
    const mine = joined(await store.join('mine', 's1'))
    joined(await store.join('full', 's2'))
    joined(await store.join('full', 's3'))
    expect(await store.join('full', 's1')).toEqual({ ok: false, error: 'room-full' })
    expect(await store.peerOf('s1')).toEqual({ room: 'mine', peer: mine.self })
  })

  it('finds sockets only within the asked room, and forgets unknown sockets', async () => {
    const store = makeStore(8)
    joined(await store.join('one', 's1', PEER_A))
    joined(await store.join('two', 's2', PEER_B))
    expect(await store.socketOf('one', PEER_B)).toBeUndefined()
    expect(await store.socketsIn('one', PEER_A)).toEqual([])
    expect(await store.leave('nobody')).toBeNull()
    await store.leave('s1')
    expect(await store.leave('s1')).toBeNull()
    expect(store.stats()).toEqual({ rooms: 1, peers: 1 })
  })

  it('retries an id generator that collides', async () => {
    const ids = ['same-id-xxxxxxxxxxxxxxxx', 'same-id-xxxxxxxxxxxxxxxx', 'other-id-xxxxxxxxxxxxxxx']
    const store = makeStore(8, () => ids.shift() ?? 'unused')
    expect(joined(await store.join('room', 's1')).self).toBe('same-id-xxxxxxxxxxxxxxxx')
    expect(joined(await store.join('room', 's2')).self).toBe('other-id-xxxxxxxxxxxxxxx')
  })
})

describe('redis room store liveness', () => {
  it('evicts a process only once its heartbeat key is gone', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}:`
    const options = { maxPeers: 8, prefix, heartbeatMs: 60_000, aliveTtlMs: 60_000 }
    const alive = new RedisRoomStore(client, options)
    const dead = new RedisRoomStore(client, options)
    await alive.start()
    await dead.start()
    joined(await alive.join('room', 's1', PEER_A))
    joined(await dead.join('room', 's2', PEER_B))
    dead.stop()
    expect(await alive.sweep()).toEqual([])
    // The key expires on its own in Redis; deleting it stands in for waiting out the TTL.
    const aliveKey = `${prefix}node:${dead.nodeId}:alive`
    const ttl = await client.pTTL(aliveKey)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
    await client.del(aliveKey)
    expect(await alive.sweep()).toEqual([{ room: 'room', peer: PEER_B }])
    expect(await alive.socketsIn('room')).toEqual(['s1'])
    expect(await alive.peerOf('s2')).toBeUndefined()
    // Evicting twice announces nothing twice.
    expect(await alive.sweep()).toEqual([])
    alive.stop()
  })

  it('tells a process that was taken for dead, so its sockets join again', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}:`
    const options = { maxPeers: 8, prefix, heartbeatMs: 60_000, aliveTtlMs: 60_000 }
    const paused = new RedisRoomStore(client, options)
    const other = new RedisRoomStore(client, options)
    let evicted = 0
    paused.watch({ departed: () => {}, evicted: () => evicted++ })
    await paused.start()
    await other.start()
    joined(await paused.join('room', 's1', PEER_A))
    await client.del(`${prefix}node:${paused.nodeId}:alive`)
    expect(await other.sweep()).toEqual([{ room: 'room', peer: PEER_A }])
    await paused.start()
    expect(evicted).toBe(1)
    expect(paused.stats()).toEqual({ rooms: 0, peers: 0 })
    paused.stop()
    other.stop()
  })
})
