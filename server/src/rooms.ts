import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export interface Membership {
  room: string
  peer: string
}

/** A membership that ended; the remaining members of `room` should hear `peer-left`. */
export type Departure = Membership

export interface Joined {
  ok: true
  room: string
  self: string
  /** The other members, in join order. */
  peers: string[]
  /**
   * True when `self` was already in the room before this join (an idempotent re-join or a token
   * replacement): the others already know it, so nothing is announced.
   */
  alreadyMember: boolean
  /** A stale socket of the same peer, now detached; the caller should disconnect it. */
  replacedSocketId?: string
  /** Memberships this join ended elsewhere (a socket or peer is in at most one room). */
  departed: Departure[]
}

export type JoinRefusal = { ok: false; error: 'room-full' | 'peer-taken' }
export type JoinResult = Joined | JoinRefusal

export interface RoomRegistryOptions {
  maxPeers: number
  /** Injected so tests can force collisions; defaults to 128 random bits, base64url. */
  randomId?: () => string
}

interface PeerRecord {
  room: string
  socketId: string
  /** sha256 of the token; null when the peer joined without one and so cannot be resumed. */
  tokenHash: Buffer | null
}

/**
 * Rooms, their members and the peer-id ↔ token bindings, in memory. Knows nothing of sockets
 * beyond their ids, so every rule is testable without a server.
 */
export class RoomRegistry {
  readonly maxPeers: number
  readonly #randomId: () => string
  readonly #peers = new Map<string, PeerRecord>()
  /** Peer ids per room; a Set keeps join order, which makes `peers` lists stable. */
  readonly #rooms = new Map<string, Set<string>>()
  readonly #socketPeers = new Map<string, string>()

  constructor(options: RoomRegistryOptions) {
    this.maxPeers = options.maxPeers
    this.#randomId = options.randomId ?? (() => randomBytes(16).toString('base64url'))
  }

  join(room: string, socketId: string, peer?: string, token?: string): JoinResult {
    const current = this.#membershipOf(socketId)
    if (peer === undefined && current !== undefined && current.record.room === room) {
      return this.#joined(room, current.peer, true, undefined, [])
    }

    const self = peer ?? this.#freshId()
    const bound = this.#peers.get(self)
    let replacedSocketId: string | undefined
    if (bound !== undefined && bound.socketId !== socketId) {
      if (!tokenMatches(bound.tokenHash, token)) return { ok: false, error: 'peer-taken' }
      replacedSocketId = bound.socketId
    }

    const alreadyMember = bound !== undefined && bound.room === room
    if (!alreadyMember) {
      // This socket's old identity in the same room is about to leave and frees its slot.
      const leaving = current !== undefined && current.record.room === room ? 1 : 0
      if ((this.#rooms.get(room)?.size ?? 0) - leaving >= this.maxPeers) {
        return { ok: false, error: 'room-full' }
      }
    }

    const departed: Departure[] = []
    if (current !== undefined && current.peer !== self) {
      this.#remove(current.peer, current.record)
      departed.push({ room: current.record.room, peer: current.peer })
    }
    if (bound !== undefined) {
      if (replacedSocketId !== undefined) this.#socketPeers.delete(replacedSocketId)
      if (!alreadyMember) {
        // The peer moves to another room, so its old room must see it go.
        this.#remove(self, bound)
        departed.push({ room: bound.room, peer: self })
      }
    }

    const tokenHash = bound?.tokenHash ?? (token === undefined ? null : hashToken(token))
    this.#peers.set(self, { room, socketId, tokenHash })
    this.#members(room).add(self)
    this.#socketPeers.set(socketId, self)
    return this.#joined(room, self, alreadyMember, replacedSocketId, departed)
  }

  /** Ends the socket's membership and drops its peer's binding. Null if it was not a member. */
  leave(socketId: string): Departure | null {
    const current = this.#membershipOf(socketId)
    if (current === undefined) return null
    this.#remove(current.peer, current.record)
    return { room: current.record.room, peer: current.peer }
  }

  /** The room and peer id of a socket, as recorded at join: the only trusted sender identity. */
  peerOf(socketId: string): Membership | undefined {
    const current = this.#membershipOf(socketId)
    return current === undefined ? undefined : { room: current.record.room, peer: current.peer }
  }

  /** The socket of `peer`, only if it is in `room`: relays never cross rooms. */
  socketOf(room: string, peer: string): string | undefined {
    const record = this.#peers.get(peer)
    return record !== undefined && record.room === room ? record.socketId : undefined
  }

  /** Socket ids of the members of `room`, optionally without one peer. */
  socketsIn(room: string, exceptPeer?: string): string[] {
    const sockets: string[] = []
    for (const peer of this.#rooms.get(room) ?? []) {
      const record = this.#peers.get(peer)
      if (peer !== exceptPeer && record !== undefined) sockets.push(record.socketId)
    }
    return sockets
  }

  stats(): { rooms: number; peers: number } {
    return { rooms: this.#rooms.size, peers: this.#peers.size }
  }

  #joined(
    room: string,
    self: string,
    alreadyMember: boolean,
    replacedSocketId: string | undefined,
    departed: Departure[],
  ): Joined {
    const peers = [...(this.#rooms.get(room) ?? [])].filter((peer) => peer !== self)
    const joined: Joined = { ok: true, room, self, peers, alreadyMember, departed }
    if (replacedSocketId !== undefined) joined.replacedSocketId = replacedSocketId
    return joined
  }

  #membershipOf(socketId: string): { peer: string; record: PeerRecord } | undefined {
    const peer = this.#socketPeers.get(socketId)
    const record = peer === undefined ? undefined : this.#peers.get(peer)
    return peer === undefined || record === undefined ? undefined : { peer, record }
  }

  #members(room: string): Set<string> {
    let members = this.#rooms.get(room)
    if (members === undefined) {
      members = new Set()
      this.#rooms.set(room, members)
    }
    return members
  }

  #remove(peer: string, record: PeerRecord): void {
    this.#peers.delete(peer)
    if (this.#socketPeers.get(record.socketId) === peer) this.#socketPeers.delete(record.socketId)
    const members = this.#rooms.get(record.room)
    members?.delete(peer)
    if (members?.size === 0) this.#rooms.delete(record.room)
  }

  #freshId(): string {
    // 128 random bits never collide in practice; the loop only guards an injected generator.
    for (;;) {
      const id = this.#randomId()
      if (!this.#peers.has(id)) return id
    }
  }
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

function tokenMatches(boundHash: Buffer | null, token: string | undefined): boolean {
  if (boundHash === null || token === undefined) return false
  // Equal-length digests, compared in constant time so a timing probe learns nothing of the token.
  return timingSafeEqual(boundHash, hashToken(token))
}
