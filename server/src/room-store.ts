import type { Departure, JoinResult, Membership } from './rooms.js'
import { RoomRegistry } from './rooms.js'

/**
 * Where room membership and the peer-id ↔ token bindings live. One process keeps them in
 * memory (`MemoryRoomStore`, the default); several processes behind a load balancer share them
 * in Redis (`RedisRoomStore`), where every rule of `RoomRegistry` holds across processes.
 */
export interface RoomStore {
  readonly maxPeers: number
  join(room: string, socketId: string, peer?: string, token?: string): Promise<JoinResult>
  /** Ends the socket's membership and drops its peer's binding. Null if it was not a member. */
  leave(socketId: string): Promise<Departure | null>
  /** The room and peer id of a socket, as recorded at join: the only trusted sender identity. */
  peerOf(socketId: string): Promise<Membership | undefined>
  /** The socket of `peer`, only if it is in `room`: relays never cross rooms. */
  socketOf(room: string, peer: string): Promise<string | undefined>
  /** Socket ids of the members of `room` (on any process), optionally without one peer. */
  socketsIn(room: string, exceptPeer?: string): Promise<string[]>
  /** Rooms and peers with a socket on this process (cheap and synchronous, for metrics). */
  stats(): { rooms: number; peers: number }
  /**
   * Memberships that ended without this process doing it (a dead process's peers): the
   * remaining members should hear `peer-left`. And a signal that this process's memberships
   * were dropped by others (it looked dead), so its sockets must re-join.
   */
  watch(events: RoomStoreEvents): void
  /** Ends this process's memberships (returned, to be announced) and releases resources. */
  shutdown(): Promise<Departure[]>
}

export interface RoomStoreEvents {
  departed(departures: Departure[]): void
  evicted(): void
}

/** The single-process store: `RoomRegistry` behind the async interface, no I/O at all. */
export class MemoryRoomStore implements RoomStore {
  readonly #registry: RoomRegistry

  constructor(registry: RoomRegistry) {
    this.#registry = registry
  }

  get maxPeers(): number {
    return this.#registry.maxPeers
  }

  async join(room: string, socketId: string, peer?: string, token?: string): Promise<JoinResult> {
    return this.#registry.join(room, socketId, peer, token)
  }

  async leave(socketId: string): Promise<Departure | null> {
    return this.#registry.leave(socketId)
  }

  async peerOf(socketId: string): Promise<Membership | undefined> {
    return this.#registry.peerOf(socketId)
  }

  async socketOf(room: string, peer: string): Promise<string | undefined> {
    return this.#registry.socketOf(room, peer)
  }

  async socketsIn(room: string, exceptPeer?: string): Promise<string[]> {
    return this.#registry.socketsIn(room, exceptPeer)
  }

  stats(): { rooms: number; peers: number } {
    return this.#registry.stats()
  }

  // Nothing ends behind this process's back when it holds all the state itself.
  watch(): void {}

  async shutdown(): Promise<Departure[]> {
    return []
  }
}
