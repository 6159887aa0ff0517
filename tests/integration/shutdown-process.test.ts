/**
 * SIGTERM on the real server process (the compiled build, as `npm start` runs it): clients hear
 * the shutdown notice, one that ignores it is dropped after the drain, and the process exits 0
 * with structured (pino) logs that carry no payloads.
 */
import { execFileSync } from 'node:child_process'
import { io as connectSocket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/ports.js'
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js'
import type { ShutdownNotice } from '../../shared/signaling.js'
import { disconnected, joinOk, type Client } from './harness.js'

let server: ServerProcess | undefined

beforeAll(() => {
  // Tests the code as it is now, not whatever dist/ an earlier build left.
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'server/tsconfig.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  )
}, 120_000)

afterAll(async () => {
  await server?.kill()
})

function connect(url: string): Promise<Client> {
  const client: Client = connectSocket(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('connect_error', reject)
  })
}

describe('SIGTERM on the server process', () => {
  it('sends the notice, drains, closes and exits 0', async () => {
    server = await startServer(await freePort(), { SHUTDOWN_DRAIN_MS: '1500', LOG_LEVEL: 'info' })
    const polite = await connect(server.url)
    const stubborn = await connect(server.url)
    await joinOk(polite, { room: 'shutdown-room' })
    await joinOk(stubborn, { room: 'shutdown-room' })
    const notices: ShutdownNotice[] = []
    polite.on('server-shutdown', (notice) => {
      notices.push(notice)
      polite.disconnect()
    })
    stubborn.on('server-shutdown', (notice) => notices.push(notice))

    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', resolve))
    server.child.kill('SIGTERM')
    // The stubborn client is dropped when the drain ends, so it reconnects on its own.
    expect(await disconnected(stubborn)).toBe('transport close')
    expect(await exited).toBe(0)
    expect(notices).toHaveLength(2)
    expect(notices[0]!.reconnectWithinMs).toBeGreaterThan(0)

    const entries = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; level: number })
    expect(entries.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'shutdown notice sent', 'closing']),
    )
    expect(entries.every((entry) => typeof entry.level === 'number')).toBe(true)
    expect(server.output()).not.toContain('shutdown-room')
  })
})
