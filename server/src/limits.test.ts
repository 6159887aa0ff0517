import { describe, expect, it } from 'vitest'
import { ConnectionCaps, DEFAULT_LIMITS, RefusalLog, SocketLimiter, TokenBucket } from './limits.js'
import type { Logger } from './logger.js'

describe('TokenBucket', () => {
  it('allows the burst at once, then the sustained rate', () => {
    const bucket = new TokenBucket(10, 5, 0)
    const first = Array.from({ length: 8 }, () => bucket.take(0))
    expect(first.filter(Boolean)).toHaveLength(5)
    // 10 per second: one token per 100 ms.
    expect(bucket.take(50)).toBe(false)
    expect(bucket.take(100)).toBe(true)
    expect(bucket.take(100)).toBe(false)
    // A long pause refills only up to the burst.
    const later = Array.from({ length: 10 }, () => bucket.take(60_000))
    expect(later.filter(Boolean)).toHaveLength(5)
  })

  it('mints nothing when the clock steps back', () => {
    const bucket = new TokenBucket(10, 1, 1000)
    expect(bucket.take(1000)).toBe(true)
    expect(bucket.take(0)).toBe(false)
    expect(bucket.take(50)).toBe(false)
  })
})

describe('SocketLimiter', () => {
  it('lets a 50-message ICE exchange through untouched with the defaults', () => {
    const limiter = new SocketLimiter(DEFAULT_LIMITS, 0)
    const answers = Array.from({ length: 50 }, (_, i) => limiter.allow('signal', i))
    expect(answers.every(Boolean)).toBe(true)
  })

  it('cuts a flood to the bucket and never limits leave', () => {
    const limiter = new SocketLimiter({ ...DEFAULT_LIMITS, signalBurst: 10 }, 0)
    const passed = Array.from({ length: 1000 }, () => limiter.allow('signal', 0)).filter(Boolean)
    expect(passed).toHaveLength(10)
    expect(Array.from({ length: 100 }, () => limiter.allow('leave', 0)).every(Boolean)).toBe(true)
  })
})

describe('ConnectionCaps', () => {
  const limits = { ...DEFAULT_LIMITS, maxConnectionsPerIp: 2, maxConnections: 3 }

  it('caps sockets per address, then in total, and frees them on release', () => {
    const caps = new ConnectionCaps(limits)
    const a1 = caps.admit('10.0.0.1')
    const a2 = caps.admit('10.0.0.1')
    expect(caps.admit('10.0.0.1')).toEqual({ ok: false, error: 'too-many-connections' })
    const b1 = caps.admit('10.0.0.2')
    expect(caps.admit('10.0.0.3')).toEqual({ ok: false, error: 'server-full' })
    expect(caps.connections).toBe(3)
    if (!a1.ok || !a2.ok || !b1.ok) throw new Error('expected admissions')
    a1.release()
    a1.release()
    expect(caps.connections).toBe(2)
    expect(caps.admit('10.0.0.1').ok).toBe(true)
  })

  it('refuses handshakes only past twice the caps', () => {
    const caps = new ConnectionCaps(limits)
    const releases = Array.from({ length: 4 }, () => caps.trackHandshake('10.0.0.1'))
    expect(caps.allowHandshake('10.0.0.1')).toBe(false)
    expect(caps.allowHandshake('10.0.0.2')).toBe(true)
    releases[0]!()
    expect(caps.allowHandshake('10.0.0.1')).toBe(true)
  })
})

describe('RefusalLog', () => {
  function capture(): { logger: Logger; lines: unknown[] } {
    const lines: unknown[] = []
    const push = (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, ...fields })
    return { logger: { info: push, warn: push, error: push }, lines }
  }

  it('logs once per socket and reason', () => {
    const { logger, lines } = capture()
    const log = new RefusalLog(logger)
    for (let i = 0; i < 100; i++) log.socket('s1', 'signal', 'rate-limited')
    log.socket('s1', 'join', 'rate-limited')
    log.socket('s2', 'signal', 'rate-limited')
    expect(lines).toHaveLength(3)
    log.forget('s1')
    log.socket('s1', 'signal', 'rate-limited')
    expect(lines).toHaveLength(4)
  })

  it('logs connection refusals once per window with the number suppressed', () => {
    const { logger, lines } = capture()
    const log = new RefusalLog(logger, 1000)
    for (let t = 0; t < 10; t++) log.connection('server-full', t)
    expect(lines).toHaveLength(1)
    log.connection('server-full', 1500)
    expect(lines).toEqual([
      { msg: 'connection refused', error: 'server-full' },
      { msg: 'connection refused', error: 'server-full', suppressedSinceLast: 9 },
    ])
  })
})
