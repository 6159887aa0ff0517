import { createHash, randomBytes } from 'node:crypto'
import type { RoomStore, RoomStoreEvents } from './room-store.js'
import { hashToken, type Departure, type JoinResult, type Membership } from './rooms.js'

/**
 * The rules of `RoomRegistry` over Redis, for several signaling processes behind one load
 * balancer. Each rule that reads and then writes runs as one Lua script, so Redis executes it
 * atomically: two joins on two processes cannot both take the last seat, and a token check
 * cannot interleave with a takeover.
 *
 * Keys (under `prefix`; a single Redis, not Redis Cluster: the scripts derive key names):
 *   room:<room>          sorted set of peer ids, scored by a global join counter (join order)
 *   peer:<peer>          hash { room, socket, node, token: hex sha256 or "" }
 *   socket:<socket id>   the peer id of a socket
 *   node:<id>:sockets    set of the socket ids a process holds memberships for
 *   node:<id>:alive      exists while that process sends heartbeats (expires after ttl)
 *   nodes                set of process ids, for the sweep
 *
 * Ghosts: a process that dies (SIGKILL, lost host) cannot run its disconnect handlers. Every
 * process renews its `alive` key on a timer and sweeps the others: a process whose key has
 * expired is evicted in one script, and the sweeping process announces `peer-left` for its
 * members. A process id is fresh per start, so a restart never adopts a dead one's state. We
 * chose heartbeats over "clean up on startup" because the dead process may never come back,
 * and over per-member TTLs because those would cost a write per member per interval.
 */
export interface RedisRoomStoreOptions {
  maxPeers: number
  /** Namespaces the keys, so one Redis can serve several deployments (or tests). */
  prefix?: string
  /** How often this process renews its liveness and sweeps dead processes. */
  heartbeatMs?: number
  /** How long a silent process stays alive in the others' eyes. */
  aliveTtlMs?: number
  /** Injected so tests can force collisions; defaults to 128 random bits, base64url. */
  randomId?: () => string
  onError?: (error: unknown) => void
}

/** The few node-redis commands the store uses (any connected, non-subscriber client). */
export interface RedisScripting {
  eval(script: string, options: { arguments: string[] }): Promise<unknown>
  evalSha(sha1: string, options: { arguments: string[] }): Promise<unknown>
}

const DEFAULT_HEARTBEAT_MS = 5000
const DEFAULT_ALIVE_TTL_MS = 15_000

const PRELUDE = `
local P = ARGV[1]
local function record(peer)
  local r = redis.call('HMGET', P .. 'peer:' .. peer, 'room', 'socket', 'node', 'token')
  if not r[1] then return nil end
  return { room = r[1], socket = r[2], node = r[3], token = r[4] }
end
local function remove(peer, rec)
  redis.call('DEL', P .. 'peer:' .. peer)
  if redis.call('GET', P .. 'socket:' .. rec.socket) == peer then
    redis.call('DEL', P .. 'socket:' .. rec.socket)
    redis.call('SREM', P .. 'node:' .. rec.node .. ':sockets', rec.socket)
  end
  redis.call('ZREM', P .. 'room:' .. rec.room, peer)
end
local function membership(socket)
  local peer = redis.call('GET', P .. 'socket:' .. socket)
  if not peer then return nil, nil end
  local rec = record(peer)
  if not rec then return nil, nil end
  return peer, rec
end
`

/** ARGV: prefix, room, socket, explicit ("1"/"0"), peer, token hash or "", maxPeers, node. */
const JOIN = `${PRELUDE}
local room, socket, explicit, self, token, maxPeers, node =
  ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8]
local roomKey = P .. 'room:' .. room
local function others(me)
  local list = {}
  for _, peer in ipairs(redis.call('ZRANGE', roomKey, 0, -1)) do
    if peer ~= me then list[#list + 1] = peer end
  end
  return list
end

local currentPeer, current = membership(socket)
if not explicit and current and current.room == room then
  return { 'ok', currentPeer, '1', '', others(currentPeer), {} }
end

local bound = record(self)
local replaced = ''
if bound and bound.socket ~= socket then
  if not explicit then return { 'retry' } end
  -- Compares digests of the tokens, so timing reveals nothing about a token itself.
  if bound.token == '' or token == '' or bound.token ~= token then return { 'peer-taken' } end
  replaced = bound.socket
end

local alreadyMember = bound ~= nil and bound.room == room
if not alreadyMember then
  local leaving = 0
  if current and current.room == room then leaving = 1 end
  if redis.call('ZCARD', roomKey) - leaving >= maxPeers then return { 'room-full' } end
end

local departed = {}
if current and currentPeer ~= self then
  remove(currentPeer, current)
  departed[#departed + 1] = current.room
  departed[#departed + 1] = currentPeer
end
if bound then
  if replaced ~= '' then
    redis.call('DEL', P .. 'socket:' .. replaced)
    redis.call('SREM', P .. 'node:' .. bound.node .. ':sockets', replaced)
  end
  if not alreadyMember then
    remove(self, bound)
    departed[#departed + 1] = bound.room
    departed[#departed + 1] = self
  end
end

local keptToken = token
if bound then keptToken = bound.token end
redis.call('HSET', P .. 'peer:' .. self, 'room', room, 'socket', socket, 'node', node, 'token', keptToken)
if not alreadyMember then redis.call('ZADD', roomKey, redis.call('INCR', P .. 'seq'), self) end
redis.call('SET', P .. 'socket:' .. socket, self)
redis.call('SADD', P .. 'node:' .. node .. ':sockets', socket)
local already = '0'
if alreadyMember then already = '1' end
return { 'ok', self, already, replaced, others(self), departed }
`

/** ARGV: prefix, socket. Returns {} or { room, peer }. */
const LEAVE = `${PRELUDE}
local peer, rec = membership(ARGV[2])
if not peer then return {} end
remove(peer, rec)
return { rec.room, peer }
`

/** ARGV: prefix, socket. Returns {} or { room, peer }. */
const PEER_OF = `${PRELUDE}
local peer, rec = membership(ARGV[2])
if not peer then return {} end
return { rec.room, peer }
`

/** ARGV: prefix, room, except peer or "". Socket ids in join order. */
const SOCKETS_IN = `${PRELUDE}
local sockets = {}
for _, peer in ipairs(redis.call('ZRANGE', P .. 'room:' .. ARGV[2], 0, -1)) do
  if peer ~= ARGV[3] then
    local socket = redis.call('HGET', P .. 'peer:' .. peer, 'socket')
    if socket then sockets[#sockets + 1] = socket end
  end
end
return sockets
`

/** ARGV: prefix, node, ttl ms. Returns 1 when the node was (re-)added to the set of nodes. */
const HEARTBEAT = `
local P = ARGV[1]
redis.call('SET', P .. 'node:' .. ARGV[2] .. ':alive', '1', 'PX', tonumber(ARGV[3]))
return redis.call('SADD', P .. 'nodes', ARGV[2])
`

/**
 * ARGV: prefix, node, force ("1" = evict even if alive: this process shutting down). Ends every
 * membership of the node and returns them flat: { room, peer, room, peer, ... }.
 */
const EVICT = `${PRELUDE}
local node = ARGV[2]
if ARGV[3] ~= '1' and redis.call('EXISTS', P .. 'node:' .. node .. ':alive') == 1 then return {} end
local departed = {}
local socketsKey = P .. 'node:' .. node .. ':sockets'
for _, socket in ipairs(redis.call('SMEMBERS', socketsKey)) do
  local peer, rec = membership(socket)
  if peer and rec.socket == socket then
    remove(peer, rec)
    departed[#departed + 1] = rec.room
    departed[#departed + 1] = peer
  end
  redis.call('DEL', P .. 'socket:' .. socket)
end
redis.call('DEL', socketsKey, P .. 'node:' .. node .. ':alive')
redis.call('SREM', P .. 'nodes', node)
return departed
`

export class RedisRoomStore implements RoomStore {
  readonly maxPeers: number
  /** This process; fresh per start so a restarted process never inherits a dead one's state. */
  readonly nodeId = randomBytes(9).toString('base64url')
  readonly #redis: RedisScripting
  readonly #prefix: string
  readonly #heartbeatMs: number
  readonly #aliveTtlMs: number
  readonly #randomId: () => string
  readonly #onError: (error: unknown) => void
  readonly #sha1 = new Map<string, string>()
  /** Sockets of this process with a membership, and their room: for `stats()`. */
  readonly #local = new Map<string, string>()
  #events: RoomStoreEvents | null = null
  #timer: ReturnType<typeof setInterval> | null = null
  #registered = false
  #stopped = false

  constructor(redis: RedisScripting, options: RedisRoomStoreOptions) {
    this.#redis = redis
    this.maxPeers = options.maxPeers
    this.#prefix = options.prefix ?? 'peerboard:'
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
    this.#aliveTtlMs = options.aliveTtlMs ?? DEFAULT_ALIVE_TTL_MS
    this.#randomId = options.randomId ?? (() => randomBytes(16).toString('base64url'))
    this.#onError = options.onError ?? (() => {})
  }

  /** Registers this process as alive (again) and starts heartbeats and sweeps once. */
  async start(): Promise<void> {
    await this.#heartbeat()
    if (this.#timer !== null) return
    this.#timer = setInterval(() => {
      this.#tick().catch(this.#onError)
    }, this.#heartbeatMs)
    this.#timer.unref()
  }

  async join(room: string, socketId: string, peer?: string, token?: string): Promise<JoinResult> {
    const tokenHash = token === undefined ? '' : hashToken(token).toString('hex')
    for (;;) {
      const reply = await this.#run(JOIN, [
        room,
        socketId,
        peer === undefined ? '0' : '1',
        peer ?? this.#randomId(),
        tokenHash,
        String(this.maxPeers),
        this.nodeId,
      ])
      if (!Array.isArray(reply)) throw new Error('join script: unexpected reply')
      const [status, self, already, replaced, peers, departed] = reply as unknown[]
      // A fresh id that collided; 128 random bits never do in practice.
      if (status === 'retry') continue
      if (status === 'room-full' || status === 'peer-taken') return { ok: false, error: status }
      if (
        status !== 'ok' ||
        typeof self !== 'string' ||
        typeof replaced !== 'string' ||
        !isStrings(peers) ||
        !isStrings(departed)
      ) {
        throw new Error('join script: malformed reply')
      }
      this.#local.set(socketId, room)
      if (replaced !== '') this.#local.delete(replaced)
      return {
        ok: true,
        room,
        self,
        peers,
        alreadyMember: already === '1',
        departed: pairs(departed),
        ...(replaced === '' ? {} : { replacedSocketId: replaced }),
      }
    }
  }

  async leave(socketId: string): Promise<Departure | null> {
    this.#local.delete(socketId)
    const [departure] = pairs(strings(await this.#run(LEAVE, [socketId])))
    return departure ?? null
  }

  async peerOf(socketId: string): Promise<Membership | undefined> {
    return pairs(strings(await this.#run(PEER_OF, [socketId])))[0]
  }

  async socketOf(room: string, peer: string): Promise<string | undefined> {
    const reply = await this.#run(
      `local r = redis.call('HMGET', ARGV[1] .. 'peer:' .. ARGV[3], 'room', 'socket')
       if r[1] == ARGV[2] then return r[2] end
       return false`,
      [room, peer],
    )
    return typeof reply === 'string' ? reply : undefined
  }

  async socketsIn(room: string, exceptPeer?: string): Promise<string[]> {
    return strings(await this.#run(SOCKETS_IN, [room, exceptPeer ?? '']))
  }

  stats(): { rooms: number; peers: number } {
    return { rooms: new Set(this.#local.values()).size, peers: this.#local.size }
  }

  watch(events: RoomStoreEvents): void {
    this.#events = events
  }

  /** Stops heartbeats and sweeps, leaving the memberships in Redis (as a crash would). */
  stop(): void {
    this.#stopped = true
    if (this.#timer !== null) clearInterval(this.#timer)
  }

  async shutdown(): Promise<Departure[]> {
    this.stop()
    this.#local.clear()
    return pairs(strings(await this.#run(EVICT, [this.nodeId, '1'])))
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return
    await this.#heartbeat()
    await this.sweep()
  }

  async #heartbeat(): Promise<void> {
    const added = await this.#run(HEARTBEAT, [this.nodeId, String(this.#aliveTtlMs)])
    if (added === 1 && this.#registered) {
      // Others took us for dead (a long pause or a lost Redis link) and dropped our
      // memberships: our sockets must join again to be in their rooms.
      this.#local.clear()
      this.#events?.evicted()
    }
    this.#registered = true
  }

  /** Evicts every process whose heartbeat expired; public so tests need not wait a tick. */
  async sweep(): Promise<Departure[]> {
    const nodes = strings(await this.#run(`return redis.call('SMEMBERS', ARGV[1] .. 'nodes')`, []))
    const departures: Departure[] = []
    for (const node of nodes) {
      if (node === this.nodeId) continue
      departures.push(...pairs(strings(await this.#run(EVICT, [node, '0']))))
    }
    if (departures.length > 0) this.#events?.departed(departures)
    return departures
  }

  /** EVALSHA with a fallback to EVAL, which also loads the script into Redis's cache. */
  async #run(script: string, args: string[]): Promise<unknown> {
    const argv = [this.#prefix, ...args]
    let sha1 = this.#sha1.get(script)
    if (sha1 === undefined) {
      sha1 = createHash('sha1').update(script).digest('hex')
      this.#sha1.set(script, sha1)
    }
    try {
      return await this.#redis.evalSha(sha1, { arguments: argv })
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return this.#redis.eval(script, { arguments: argv })
    }
  }
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

function strings(value: unknown): string[] {
  if (!isStrings(value)) throw new Error('room script: expected a list of strings')
  return value
}

/** `[room, peer, room, peer, …]` as memberships. */
function pairs(flat: string[]): Membership[] {
  const memberships: Membership[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) {
    memberships.push({ room: flat[i]!, peer: flat[i + 1]! })
  }
  return memberships
}
