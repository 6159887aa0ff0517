import { describe, expect, it } from 'vitest'
import { RoomRegistry, type JoinResult, type Joined } from './rooms.js'

const PEER_A = 'peer-a-aaaaaaaaaaaaaaaaaaaa'
const PEER_B = 'peer-b-bbbbbbbbbbbbbbbbbbbb'
const TOKEN_A = 'token-a-aaaaaaaaaaaaaaaaaaa'
const TOKEN_B = 'token-b-bbbbbbbbbbbbbbbbbbb'

function joined(result: JoinResult): Joined {
  if (!result.ok) throw new Error(`expected a join, got ${result.error}`)
  return result
}

describe('RoomRegistry', () => {
  it('assigns distinct 128-bit base64url ids when no peer is given', () => {
    const registry = new RoomRegistry({ maxPeers: 10 })
    const ids = new Set<string>()
    for (let i = 0; i < 50; i++) ids.add(joined(registry.join(`room${i % 5}`, `s${i}`)).self)
    expect(ids.size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('lists the other members in join order and reports none as departed', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    const a = joined(registry.join('room', 's1', PEER_A))
    const b = joined(registry.join('room', 's2', PEER_B))
    const c = joined(registry.join('room', 's3'))
    expect(a.peers).toEqual([])
    expect(b.peers).toEqual([PEER_A])
    expect(c.peers).toEqual([PEER_A, PEER_B])
    expect(c).toMatchObject({ alreadyMember: false, departed: [] })
    expect(c.replacedSocketId).toBeUndefined()
  })

  it('treats a re-join of the same socket to the same room as a no-op', () => {
    const registry = new RoomRegistry({ maxPeers: 2 })
    const first = joined(registry.join('room', 's1'))
    joined(registry.join('room', 's2'))
    const again = joined(registry.join('room', 's1'))
    expect(again).toMatchObject({ self: first.self, alreadyMember: true, departed: [] })
    const explicit = joined(registry.join('room', 's1', first.self))
    expect(explicit).toMatchObject({ self: first.self, alreadyMember: true, departed: [] })
    expect(registry.stats()).toEqual({ rooms: 1, peers: 2 })
  })

  it('refuses a join beyond maxPeers without creating state', () => {
    const registry = new RoomRegistry({ maxPeers: 2 })
    joined(registry.join('room', 's1'))
    joined(registry.join('room', 's2'))
    expect(registry.join('room', 's3')).toEqual({ ok: false, error: 'room-full' })
    expect(registry.peerOf('s3')).toBeUndefined()
    expect(registry.stats()).toEqual({ rooms: 1, peers: 2 })
  })

  it('frees a slot when a member leaves', () => {
    const registry = new RoomRegistry({ maxPeers: 2 })
    joined(registry.join('room', 's1'))
    const second = joined(registry.join('room', 's2'))
    expect(registry.leave('s2')).toEqual({ room: 'room', peer: second.self })
    expect(registry.join('room', 's3').ok).toBe(true)
  })

  it('binds a peer id to its token and refuses another token', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('room', 's1', PEER_A, TOKEN_A))
    expect(registry.join('room', 's2', PEER_A, TOKEN_B)).toEqual({ ok: false, error: 'peer-taken' })
    expect(registry.join('room', 's2', PEER_A)).toEqual({ ok: false, error: 'peer-taken' })
    expect(registry.socketOf('room', PEER_A)).toBe('s1')
  })

  it('never lets anyone resume a peer that joined without a token', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('room', 's1', PEER_A))
    expect(registry.join('room', 's2', PEER_A, TOKEN_A)).toEqual({
      ok: false,
      error: 'peer-taken',
    })
  })

  it('replaces the stale socket when the same token comes from a new socket', () => {
    const registry = new RoomRegistry({ maxPeers: 2 })
    joined(registry.join('room', 's1', PEER_A, TOKEN_A))
    joined(registry.join('room', 's2', PEER_B))
    // The room is full, but a replacement adds nobody.
    const resumed = joined(registry.join('room', 's3', PEER_A, TOKEN_A))
    expect(resumed).toMatchObject({
      self: PEER_A,
      peers: [PEER_B],
      alreadyMember: true,
      replacedSocketId: 's1',
      departed: [],
    })
    expect(registry.socketOf('room', PEER_A)).toBe('s3')
    // The stale socket's later disconnect must not remove the resumed peer.
    expect(registry.leave('s1')).toBeNull()
    expect(registry.socketsIn('room')).toEqual(['s3', 's2'])
  })

  it('drops the binding when the peer leaves, so the id can be bound again', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('room', 's1', PEER_A, TOKEN_A))
    registry.leave('s1')
    const again = joined(registry.join('room', 's2', PEER_A, TOKEN_B))
    expect(again).toMatchObject({ self: PEER_A, alreadyMember: false })
    expect(registry.join('room', 's3', PEER_A, TOKEN_A)).toEqual({ ok: false, error: 'peer-taken' })
  })

  it('moves a socket that joins another room out of the first one', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    const a = joined(registry.join('first', 's1'))
    joined(registry.join('first', 's2'))
    const moved = joined(registry.join('second', 's1'))
    expect(moved.departed).toEqual([{ room: 'first', peer: a.self }])
    expect(moved.alreadyMember).toBe(false)
    expect(registry.peerOf('s1')).toEqual({ room: 'second', peer: moved.self })
    expect(registry.socketsIn('first')).toEqual(['s2'])
  })

  it('keeps an explicit peer id when its own socket moves to another room', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('first', 's1', PEER_A, TOKEN_A))
    const moved = joined(registry.join('second', 's1', PEER_A, TOKEN_A))
    expect(moved).toMatchObject({
      self: PEER_A,
      alreadyMember: false,
      departed: [{ room: 'first', peer: PEER_A }],
    })
    expect(registry.socketOf('first', PEER_A)).toBeUndefined()
    expect(registry.socketOf('second', PEER_A)).toBe('s1')
    expect(registry.stats()).toEqual({ rooms: 1, peers: 1 })
  })

  it('moves a resumed peer out of its old room when it resumes into another one', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('first', 's1', PEER_A, TOKEN_A))
    const moved = joined(registry.join('second', 's2', PEER_A, TOKEN_A))
    expect(moved).toMatchObject({
      alreadyMember: false,
      replacedSocketId: 's1',
      departed: [{ room: 'first', peer: PEER_A }],
    })
    expect(registry.peerOf('s1')).toBeUndefined()
  })

  it('lets a socket switch identity inside a full room', () => {
    const registry = new RoomRegistry({ maxPeers: 2 })
    const old = joined(registry.join('room', 's1'))
    joined(registry.join('room', 's2'))
    const renamed = joined(registry.join('room', 's1', PEER_A))
    expect(renamed.departed).toEqual([{ room: 'room', peer: old.self }])
    expect(renamed.alreadyMember).toBe(false)
    expect(registry.stats()).toEqual({ rooms: 1, peers: 2 })
  })

  it('refuses a switch to a full room and keeps the old membership', () => {
    const registry = new RoomRegistry({ maxPeers: 2 })
    const mine = joined(registry.join('mine', 's1'))
    joined(registry.join('full', 's2'))
    joined(registry.join('full', 's3'))
    expect(registry.join('full', 's1')).toEqual({ ok: false, error: 'room-full' })
    expect(registry.peerOf('s1')).toEqual({ room: 'mine', peer: mine.self })
  })

  it('finds sockets only within the asked room', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('one', 's1', PEER_A))
    joined(registry.join('two', 's2', PEER_B))
    expect(registry.socketOf('one', PEER_A)).toBe('s1')
    expect(registry.socketOf('one', PEER_B)).toBeUndefined()
    expect(registry.socketsIn('one', PEER_A)).toEqual([])
  })

  it('forgets empty rooms and unknown sockets', () => {
    const registry = new RoomRegistry({ maxPeers: 8 })
    joined(registry.join('room', 's1'))
    expect(registry.leave('nobody')).toBeNull()
    registry.leave('s1')
    expect(registry.leave('s1')).toBeNull()
    expect(registry.stats()).toEqual({ rooms: 0, peers: 0 })
  })

  it('retries an injected id generator that collides', () => {
    const ids = ['same-id-xxxxxxxxxxxxxxxx', 'same-id-xxxxxxxxxxxxxxxx', 'other-id-xxxxxxxxxxxxxxx']
    const registry = new RoomRegistry({ maxPeers: 8, randomId: () => ids.shift() ?? 'unused' })
    expect(joined(registry.join('room', 's1')).self).toBe('same-id-xxxxxxxxxxxxxxxx')
    expect(joined(registry.join('room', 's2')).self).toBe('other-id-xxxxxxxxxxxxxxx')
  })
})
