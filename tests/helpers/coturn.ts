/**
 * A real coturn (Debian's `turnserver`) on 127.0.0.1 and a free port, with the loopback test
 * configuration from TESTING.md in a temp directory. Stopped by PID; it never touches the
 * package's system service or its database.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinary } from '../../scripts/ensure-system-deps.mjs'
import { freePort } from './ports'
import { answersStun } from './turn-client'

export interface Coturn {
  host: string
  port: number
  secret: string
  realm: string
  /** `turn:` URL for UDP, as TURN_URLS takes it. */
  url: string
  pid: number
  output(): string
  stop(): Promise<void>
}

export const TEST_REALM = 'peerboard.test'

/** The loopback test configuration from TESTING.md (relaying to loopback allowed). */
export function loopbackTestConfig(secret: string): string[] {
  return [
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${TEST_REALM}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    // Tests only: every peer here is on loopback. Production denies these ranges.
    'allow-loopback-peers',
    'no-rfc5780',
  ]
}

/**
 * Starts coturn with `settings` plus what every test instance needs: loopback listening and
 * relay addresses, a free port, a relay port window, and files in a temp directory. Later
 * lines win in coturn's config, so these come last.
 */
export async function startCoturn(
  secret = 'peerboard-test-secret',
  settings: string[] = loopbackTestConfig(secret),
): Promise<Coturn> {
  const binary = findBinary('turnserver', process.env.TURNSERVER_PATH)
  if (binary === undefined) {
    throw new Error('turnserver not found: run npm test (it installs Debian coturn)')
  }
  const port = await freePort()
  // Relay ports of a random window, so several engineers' coturns on one machine rarely meet.
  const minPort = 40_000 + Math.floor(Math.random() * 90) * 200
  const dir = mkdtempSync(join(tmpdir(), 'peerboard-coturn-'))
  const configFile = join(dir, 'turnserver.conf')
  writeFileSync(
    configFile,
    [
      ...settings,
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${port}`,
      `min-port=${minPort}`,
      `max-port=${minPort + 199}`,
      `pidfile=${join(dir, 'turnserver.pid')}`,
      `userdb=${join(dir, 'turndb')}`,
      'log-file=stdout',
      'simple-log',
      '',
    ].join('\n'),
  )
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const cleanup = async () => {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  while (!(await answersStun({ host: '127.0.0.1', port }))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await cleanup()
      throw new Error(`coturn did not start on ${port}:\n${output}`)
    }
  }
  if (child.pid === undefined) throw new Error('coturn has no pid')
  return {
    host: '127.0.0.1',
    port,
    secret,
    realm: TEST_REALM,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    pid: child.pid,
    output: () => output,
    stop: cleanup,
  }
}

/** SIGTERM by PID, SIGKILL if it lingers: a test must never leave a daemon behind. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
