/**
 * A real redis-server (Debian's) on 127.0.0.1 and a free port, with no persistence, stopped by
 * PID. Never the package's system service.
 */
import { spawn } from 'node:child_process'
import net from 'node:net'
import { findBinary } from '../../scripts/ensure-system-deps.mjs'
import { stopChild } from './coturn'
import { freePort } from './ports'

export interface RedisServer {
  url: string
  port: number
  pid: number
  output(): string
  stop(): Promise<void>
}

/** `port` restarts a server where a stopped one was, for outage tests. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const binary = findBinary('redis-server', process.env.REDIS_SERVER_PATH)
  if (binary === undefined) {
    throw new Error('redis-server not found: run npm test (it installs Debian redis-server)')
  }
  port ??= await freePort()
  const child = spawn(
    binary,
    ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const deadline = Date.now() + 10_000
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child)
      throw new Error(`redis-server did not start on ${port}:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (child.pid === undefined) throw new Error('redis-server has no pid')
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    output: () => output,
    stop: () => stopChild(child),
  }
}

/** An inline PING: true once the server answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}
