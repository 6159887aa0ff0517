/**
 * Rate limits and caps for the signaling server: per-socket token buckets on `join` and
 * `signal`, and caps on sockets per IP, total sockets and total rooms. Pure bookkeeping with an
 * injected clock; signaling.ts decides where each check runs.
 */
import type { Logger } from './logger.js'

export interface LimitsConfig {
  /** Sustained `join` requests per socket per minute, and the burst allowed above that. */
  joinPerMinute: number
  joinBurst: number
  /** Sustained `signal` requests per socket per second, and the burst allowed above that. */
  signalPerSecond: number
  signalBurst: number
  /** Sockets one client address may hold at once. */
  maxConnectionsPerIp: number
  /** Sockets the whole server holds at once. */
  maxConnections: number
  /** Rooms with at least one member. */
  maxRooms: number
}

/**
 * A normal join of a full room (7 peers × offer, answer and ~15 trickled candidates each way)
 * sends about 120 signals in a few seconds, so the burst absorbs it whole; a flood is cut to the
 * sustained rate. A reconnecting tab re-joins once per connect, so a few joins a minute is plenty.
 */
export const DEFAULT_LIMITS: LimitsConfig = {
  joinPerMinute: 30,
  joinBurst: 10,
  signalPerSecond: 50,
  signalBurst: 200,
  // Generous for a LAN or a classroom behind one NAT, where everyone shares an address.
  maxConnectionsPerIp: 100,
  maxConnections: 10_000,
  maxRooms: 5_000,
}

/**
 * Refused handshakes (no clear message) start only past twice a cap: up to there, an over-cap
 * client gets a readable `connect_error`; past it, it is ignoring those and gets HTTP 403.
 */
const HANDSHAKE_BACKSTOP_FACTOR = 2

export type CapRefusal = 'too-many-connections' | 'server-full'
export type LimitReason = CapRefusal | 'rate-limited'

export const CAP_MESSAGES: Record<CapRefusal, string> = {
  'too-many-connections': 'Too many connections from your network address. Close some tabs.',
  'server-full': 'The signaling server is full. Try again in a few minutes.',
}

export class TokenBucket {
  readonly #perMs: number
  readonly #burst: number
  #tokens: number
  #last: number

  constructor(perSecond: number, burst: number, nowMs: number) {
    this.#perMs = perSecond / 1000
    this.#burst = burst
    this.#tokens = burst
    this.#last = nowMs
  }

  take(nowMs: number): boolean {
    // A clock that steps back must not mint tokens.
    const elapsed = Math.max(0, nowMs - this.#last)
    this.#last = nowMs
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

/** The buckets of one socket. */
export class SocketLimiter {
  readonly #join: TokenBucket
  readonly #signal: TokenBucket

  constructor(limits: LimitsConfig, nowMs: number) {
    this.#join = new TokenBucket(limits.joinPerMinute / 60, limits.joinBurst, nowMs)
    this.#signal = new TokenBucket(limits.signalPerSecond, limits.signalBurst, nowMs)
  }

  /** `leave` is not limited: it only ever frees resources. */
  allow(event: 'join' | 'signal' | 'leave', nowMs: number): boolean {
    if (event === 'join') return this.#join.take(nowMs)
    if (event === 'signal') return this.#signal.take(nowMs)
    return true
  }
}

/**
 * Counts sockets per client address and in total. `admit` is the readable refusal (run in a
 * Socket.IO middleware); `allowHandshake` is the cheap backstop before any socket exists.
 */
export class ConnectionCaps {
  readonly #limits: LimitsConfig
  readonly #byIp = new Map<string, number>()
  #total = 0
  /** Handshakes in progress or open, per address: what a client ignoring refusals piles up. */
  readonly #handshakesByIp = new Map<string, number>()
  #handshakes = 0

  constructor(limits: LimitsConfig) {
    this.#limits = limits
  }

  get connections(): number {
    return this.#total
  }

  /** Admits a socket or names the cap it hits; on admission, returns the release to call once. */
  admit(ip: string): { ok: true; release: () => void } | { ok: false; error: CapRefusal } {
    const fromIp = this.#byIp.get(ip) ?? 0
    if (fromIp >= this.#limits.maxConnectionsPerIp)
      return { ok: false, error: 'too-many-connections' }
    if (this.#total >= this.#limits.maxConnections) return { ok: false, error: 'server-full' }
    this.#byIp.set(ip, fromIp + 1)
    this.#total += 1
    return {
      ok: true,
      release: once(() => {
        decrement(this.#byIp, ip)
        this.#total -= 1
      }),
    }
  }

  allowHandshake(ip: string): boolean {
    const factor = HANDSHAKE_BACKSTOP_FACTOR
    return (
      (this.#handshakesByIp.get(ip) ?? 0) < this.#limits.maxConnectionsPerIp * factor &&
      this.#handshakes < this.#limits.maxConnections * factor
    )
  }

  /** Counts an engine connection from its handshake until it closes. */
  trackHandshake(ip: string): () => void {
    this.#handshakesByIp.set(ip, (this.#handshakesByIp.get(ip) ?? 0) + 1)
    this.#handshakes += 1
    return once(() => {
      decrement(this.#handshakesByIp, ip)
      this.#handshakes -= 1
    })
  }
}

// Entries at zero are deleted, so the maps hold only addresses with something open.
function decrement(counts: Map<string, number>, ip: string): void {
  const next = (counts.get(ip) ?? 0) - 1
  if (next <= 0) counts.delete(ip)
  else counts.set(ip, next)
}

/**
 * Logs a refusal once per socket and reason, so a flood of refused messages costs one line.
 * Refusals without a socket (connection caps) are logged at most once per reason and window,
 * with the number suppressed since. Only ids, events and reasons are logged, never payloads.
 */
export class RefusalLog {
  readonly #logger: Logger
  readonly #windowMs: number
  readonly #seen = new Map<string, Set<string>>()
  readonly #lastByReason = new Map<string, { at: number; suppressed: number }>()

  constructor(logger: Logger, windowMs = 10_000) {
    this.#logger = logger
    this.#windowMs = windowMs
  }

  socket(socketId: string, event: string, reason: string): void {
    let reasons = this.#seen.get(socketId)
    if (reasons === undefined) {
      reasons = new Set()
      this.#seen.set(socketId, reasons)
    }
    const key = `${event}:${reason}`
    if (reasons.has(key)) return
    reasons.add(key)
    this.#logger.warn('request refused', { event, socket: socketId, error: reason })
  }

  forget(socketId: string): void {
    this.#seen.delete(socketId)
  }

  connection(reason: string, nowMs: number, fields: Record<string, unknown> = {}): void {
    const last = this.#lastByReason.get(reason)
    if (last !== undefined && nowMs - last.at < this.#windowMs) {
      last.suppressed += 1
      return
    }
    this.#lastByReason.set(reason, { at: nowMs, suppressed: 0 })
    this.#logger.warn('connection refused', {
      error: reason,
      ...fields,
      ...(last !== undefined && last.suppressed > 0
        ? { suppressedSinceLast: last.suppressed }
        : {}),
    })
  }
}

function once(fn: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}
