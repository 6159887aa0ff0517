/**
 * Origin check, security headers, /metrics and the shutdown notice, against the real server
 * with real socket.io-client sockets.
 */
import { io as connectSocket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { ServerConfig } from '../../server/src/config.js'
import { SHUTDOWN_RECONNECT_WINDOW_MS } from '../../server/src/signaling.js'
import type { ShutdownNotice } from '../../shared/signaling.js'
import {
  disconnected,
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

async function start(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  server = await startServer(overrides)
  return server
}

function attempt(url: string, origin?: string): Promise<'connected' | string> {
  const client: Client = connectSocket(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: origin === undefined ? {} : { Origin: origin },
  })
  extra.push(client)
  return new Promise((resolve) => {
    client.once('connect', () => resolve('connected'))
    client.once('connect_error', (error: Error) => resolve(`refused: ${error.message}`))
  })
}

describe('origin check', () => {
  it('accepts the same origin and clients without Origin, refuses other origins', async () => {
    const s = await start()
    expect(await attempt(s.url, s.url)).toBe('connected')
    expect(await attempt(s.url)).toBe('connected')
    expect(await attempt(s.url, 'http://evil.example')).toMatch(/^refused/)
    // Same host name, other port: another origin.
    expect(await attempt(s.url, 'http://127.0.0.1:1')).toMatch(/^refused/)
    const metrics = await (await fetch(`${s.url}/metrics`)).text()
    expect(metrics).toContain(
      'peerboard_rejects_total{event="connection",reason="forbidden-origin"} 2',
    )
  })

  it('accepts only the listed origins when ALLOWED_ORIGINS is set', async () => {
    const s = await start({ allowedOrigins: ['https://board.example.org'] })
    expect(await attempt(s.url, 'https://board.example.org')).toBe('connected')
    expect(await attempt(s.url, s.url)).toMatch(/^refused/)
  })
})

describe('security headers', () => {
  it.each(['/', '/assets/app-1a2b3c.js', '/healthz', '/missing.png'])(
    'sets CSP and friends on %s',
    async (path) => {
      const s = server ?? (await start())
      const response = await fetch(`${s.url}${path}`)
      const csp = response.headers.get('content-security-policy') ?? ''
      const host = new URL(s.url).host
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        `connect-src 'self' ws://${host} wss://${host}`,
        "img-src 'self' blob: data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ]) {
        expect(csp).toContain(directive)
      }
      expect(csp).not.toContain('unsafe')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    },
  )
})

describe('/metrics', () => {
  it('reports sockets, rooms, joins, relays, rejects and relay time after activity', async () => {
    const s = await start()
    const [a, b] = await Promise.all([s.connect(), s.connect()])
    await joinOk(a!, { room: 'metrics' })
    const target = await joinOk(b!, { room: 'metrics' })
    expect(await signal(a!, target.self, 'sealed')).toEqual({ ok: true })
    expect(await signal(a!, 'not-a-peer-id-at-all-xxxxxx', 'sealed')).toMatchObject({
      ok: false,
      error: 'unknown-peer',
    })

    const response = await fetch(`${s.url}/metrics`)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    for (const line of [
      'peerboard_sockets 2',
      'peerboard_rooms 1',
      'peerboard_peers 2',
      'peerboard_connections_total 2',
      'peerboard_joins_total 2',
      'peerboard_signals_relayed_total 1',
      'peerboard_rejects_total{event="signal",reason="unknown-peer"} 1',
      'peerboard_relay_seconds_bucket{le="+Inf"} 1',
      'peerboard_relay_seconds_count 1',
      '# TYPE peerboard_relay_seconds histogram',
    ]) {
      expect(text.split('\n')).toContain(line)
    }
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m)
    // Nothing a client sent reaches the metrics.
    expect(text).not.toContain('metrics"')
    expect(text).not.toContain('sealed')
  })
})

describe('shutdown', () => {
  it('tells every client to reconnect elsewhere with jitter, then closes', async () => {
    const s = await start({ shutdownDrainMs: 2000 })
    const [a, b] = await Promise.all([s.connect(), s.connect()])
    await joinOk(a!, { room: 'shutdown' })
    const notices: ShutdownNotice[] = []
    for (const client of [a!, b!]) {
      client.on('server-shutdown', (notice) => {
        notices.push(notice)
        // What the app's client does: leave now, come back at a random moment.
        client.disconnect()
      })
    }
    await s.app.shutdown()
    expect(notices).toEqual([
      { reconnectWithinMs: SHUTDOWN_RECONNECT_WINDOW_MS },
      { reconnectWithinMs: SHUTDOWN_RECONNECT_WINDOW_MS },
    ])
    await Promise.all([disconnected(a!), disconnected(b!)])
    // The listener is closed: new clients go elsewhere.
    await until(() => !s.app.server.listening)
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow()
  })
})
