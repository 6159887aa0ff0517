import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { io as connectSocket, type Socket } from 'socket.io-client'
import { createApp, type App, type AppDeps } from '../../server/src/app.js'
import { loadConfig, type ServerConfig } from '../../server/src/config.js'
import { silentLogger } from '../../server/src/logger.js'
import type {
  ClientToServerEvents,
  JoinAck,
  JoinOk,
  JoinRequest,
  PeerEvent,
  ServerToClientEvents,
  SignalEvent,
  SimpleAck,
} from '../../shared/signaling.js'

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>

export const INDEX_HTML = '<!doctype html><title>Peerboard test shell</title>'
export const ASSET_JS = 'console.log("asset")'
/** Sits next to CLIENT_DIR, where a traversal would find it. */
export const SECRET_MARKER = 'this file is outside CLIENT_DIR'

const ACK_TIMEOUT_MS = 3000

/** What a client heard, recorded from the moment it connected. */
export interface Heard {
  /** `joined` events: answers to a join sent in the connection's auth. */
  authJoins: JoinAck[]
  joined: string[]
  left: string[]
  signals: SignalEvent[]
}

export interface TestServer {
  url: string
  app: App
  clientDir: string
  /** A real Socket.IO client over WebSocket that never reconnects on its own. */
  connect(auth?: Record<string, unknown>): Promise<Client>
  /** What `client` has received so far (kept up to date). */
  heard(client: Client): Heard
  close(): Promise<void>
}

export async function startServer(
  overrides: Partial<ServerConfig> = {},
  deps: AppDeps = {},
): Promise<TestServer> {
  const root = mkdtempSync(joinPath(tmpdir(), 'peerboard-it-'))
  const clientDir = joinPath(root, 'client')
  mkdirSync(joinPath(clientDir, 'assets'), { recursive: true })
  writeFileSync(joinPath(clientDir, 'index.html'), INDEX_HTML)
  writeFileSync(joinPath(clientDir, 'assets', 'app-1a2b3c.js'), ASSET_JS)
  writeFileSync(joinPath(root, 'package.json'), JSON.stringify({ secret: SECRET_MARKER }))

  const config: ServerConfig = {
    // The defaults of every setting not named here (limits, origins, …), as in production.
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    maxPeers: 8,
    stunUrls: [],
    turnUrls: [],
    turnSecret: undefined,
    turnTtlSeconds: 3600,
    redisUrl: undefined,
    clientDir,
    ...overrides,
  }
  const app = createApp(config, { logger: silentLogger, ...deps })
  const { port } = await app.listen()
  const url = `http://127.0.0.1:${port}`
  const clients: Client[] = []
  const heardBy = new Map<Client, Heard>()

  const connect = (auth?: Record<string, unknown>): Promise<Client> => {
    const client: Client = connectSocket(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(auth === undefined ? {} : { auth }),
    })
    clients.push(client)
    const heard: Heard = { authJoins: [], joined: [], left: [], signals: [] }
    heardBy.set(client, heard)
    client.on('joined', (answer: JoinAck) => heard.authJoins.push(answer))
    client.on('peer-joined', ({ peer }: PeerEvent) => heard.joined.push(peer))
    client.on('peer-left', ({ peer }: PeerEvent) => heard.left.push(peer))
    client.on('signal', (event: SignalEvent) => heard.signals.push(event))
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client))
      client.once('connect_error', reject)
    })
  }

  return {
    url,
    app,
    clientDir,
    connect,
    heard: (client) => {
      const heard = heardBy.get(client)
      if (heard === undefined) throw new Error('not a client of this server')
      return heard
    },
    close: async () => {
      for (const client of clients) client.disconnect()
      await app.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

export function join(client: Client, request: JoinRequest): Promise<JoinAck> {
  return client.timeout(ACK_TIMEOUT_MS).emitWithAck('join', request)
}

/** Joins and insists on success, for tests where joining is only the setup. */
export async function joinOk(client: Client, request: JoinRequest): Promise<JoinOk> {
  const answer = await join(client, request)
  if (!answer.ok) throw new Error(`join failed: ${answer.error} ${answer.message}`)
  return answer
}

export function signal(client: Client, to: string, data: string): Promise<SimpleAck> {
  return client.timeout(ACK_TIMEOUT_MS).emitWithAck('signal', { to, data })
}

export function leave(client: Client): Promise<SimpleAck> {
  return client.timeout(ACK_TIMEOUT_MS).emitWithAck('leave', {})
}

/** The same socket without the contract's types, to send what a hostile client could. */
export function untyped(client: Client): Socket {
  return client as unknown as Socket
}

/** Emits anything and returns the acknowledgement as the untrusted value it is. */
export async function rawEmitWithAck(
  client: Client,
  event: string,
  ...args: unknown[]
): Promise<unknown> {
  const answer: unknown = await untyped(client)
    .timeout(ACK_TIMEOUT_MS)
    .emitWithAck(event, ...args)
  return answer
}

/**
 * Resolves once every event the server sent `client` before this call has arrived: the answer
 * to a harmless request travels the same connection behind them. Lets tests assert that
 * something did NOT happen without sleeping.
 */
export async function flush(client: Client): Promise<void> {
  const answer = await rawEmitWithAck(client, 'signal', {})
  if (typeof answer !== 'object' || answer === null || !('ok' in answer) || answer.ok !== false) {
    throw new Error('flush expected a bad-request answer')
  }
}

export async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export function disconnected(client: Client): Promise<Socket.DisconnectReason> {
  return new Promise((resolve) => {
    if (client.disconnected) resolve('io client disconnect')
    else client.once('disconnect', resolve)
  })
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A request whose path is sent byte for byte (fetch would normalise `..` away). */
export function rawRequest(url: string, path: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}
