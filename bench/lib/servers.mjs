/**
 * What the benchmark runs besides the browser: a static server for dist/bench with the raw
 * baseline's WebSocket relay, and child processes (Peerboard's server, y-webrtc's signaling
 * server), each stopped by its own handle.
 */
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { WebSocketServer } from 'ws'

export { freePort } from '../../tests/helpers/chromium.mjs'

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
}

/**
 * Serves `dir` on 127.0.0.1 and relays raw-baseline signaling on `/relay`:
 * `{type:'join', room, id}` → `{type:'peers', peers}` (those already in the room), then
 * `{type:'signal', to, data}` → `{type:'signal', from, data}` within the room.
 * @param {string} dir
 */
export async function startStaticAndRelay(dir) {
  const root = path.resolve(dir)
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const file = path.resolve(root, `.${decodeURIComponent(url.pathname)}`)
    if (!file.startsWith(root + path.sep)) {
      response.writeHead(403).end()
      return
    }
    try {
      const info = await stat(file)
      if (!info.isFile()) throw new Error('not a file')
      response.writeHead(200, {
        'content-type':
          TYPES[/** @type {keyof TYPES} */ (path.extname(file))] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-store',
      })
      createReadStream(file).pipe(response)
    } catch {
      response.writeHead(404).end()
    }
  })

  /** @type {Map<string, Map<string, import('ws').WebSocket>>} */
  const rooms = new Map()
  const wss = new WebSocketServer({ server, path: '/relay' })
  wss.on('connection', (socket) => {
    /** @type {{room: string, id: string} | null} */
    let member = null
    socket.on('message', (raw) => {
      let message
      try {
        message = JSON.parse(String(raw))
      } catch {
        return
      }
      if (message.type === 'join' && !member) {
        const peers = rooms.get(message.room) ?? new Map()
        rooms.set(message.room, peers)
        socket.send(JSON.stringify({ type: 'peers', peers: [...peers.keys()] }))
        peers.set(message.id, socket)
        member = { room: message.room, id: message.id }
      } else if (message.type === 'signal' && member) {
        const target = rooms.get(member.room)?.get(message.to)
        target?.send(JSON.stringify({ type: 'signal', from: member.id, data: message.data }))
      }
    })
    socket.on('close', () => {
      if (!member) return
      const peers = rooms.get(member.room)
      peers?.delete(member.id)
      if (peers?.size === 0) rooms.delete(member.room)
    })
  })

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(undefined))
  })
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://127.0.0.1:${address.port}`,
    relayUrl: `ws://127.0.0.1:${address.port}/relay`,
    async close() {
      for (const client of wss.clients) client.terminate()
      await new Promise((resolve) => wss.close(() => resolve(undefined)))
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
    },
  }
}

/**
 * Starts `node <script>` and waits until `ready()` resolves true.
 * @param {string} name
 * @param {string} script
 * @param {Record<string, string>} env
 * @param {() => Promise<boolean>} ready
 * @param {string} cwd
 */
export async function startNodeProcess(name, script, env, ready, cwd) {
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-20_000)))
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-20_000)))
  const handle = {
    name,
    child,
    output: () => output,
    /** Stops this child only (by its own handle): SIGTERM, then SIGKILL after 3 s. */
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined)
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve(undefined)
        })
        child.kill('SIGTERM')
      }),
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`)
    if (await ready().catch(() => false)) return handle
    if (Date.now() > deadline) {
      await handle.stop()
      throw new Error(`${name} did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** @param {string} url */
export async function httpOk(url) {
  const response = await fetch(url)
  return response.ok
}

/** @param {number} port */
export function tcpOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
