import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Cluster } from './cluster.js'
import type { ServerConfig } from './config.js'
import { silentLogger, type Logger } from './logger.js'
import { setSecurityHeaders } from './security-headers.js'
import { createSignalingServer, type SignalingServer } from './signaling.js'
import { createStaticHandler } from './static.js'

export interface AppDeps {
  logger?: Logger
  now?: () => number
  /** Monotonic milliseconds for rate limits (see SignalingDeps). */
  clock?: () => number
  /** Shared rooms through Redis (REDIS_URL); closed with the app. */
  cluster?: Cluster
}

export interface App {
  server: http.Server
  signaling: SignalingServer
  /** Resolves with the bound address (the real port when `config.port` is 0). */
  listen(): Promise<{ port: number; host: string }>
  close(): Promise<void>
  /** Graceful stop: clients are told to reconnect elsewhere first (see SignalingServer). */
  shutdown(): Promise<void>
}

/** One HTTP server for the built client and the signaling server, so they share an origin. */
export function createApp(config: ServerConfig, deps: AppDeps = {}): App {
  const logger = deps.logger ?? silentLogger
  const { cluster } = deps
  const serveStatic = createStaticHandler(config.clientDir, logger)
  // Socket.IO wraps the request listeners present when it attaches, so this one must exist first
  // (and never sees /socket.io/ requests).
  const server = http.createServer((req, res) => {
    setSecurityHeaders(req, res)
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
      res.setHeader('Cache-Control', 'no-store')
      res.end(signaling.metrics.render())
      return
    }
    serveStatic(req, res)
  })
  const signaling = createSignalingServer(server, {
    config,
    logger,
    now: deps.now,
    clock: deps.clock,
    ...(cluster === undefined ? {} : { store: cluster.store, adapter: cluster.adapter }),
  })

  const listen = (): Promise<{ port: number; host: string }> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => {
        server.off('error', reject)
        const { port } = server.address() as AddressInfo
        resolve({ port, host: config.host })
      })
    })

  let closed: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      const closing = signaling.close()
      // Keep-alive HTTP connections would otherwise hold `server.close()` open until they time out.
      server.closeIdleConnections()
      await closing
      await cluster?.close()
    })())

  // The drain ends with the signaling server closed; the Redis connections close after it.
  const shutdown = async (): Promise<void> => {
    await signaling.shutdown(config.shutdownDrainMs)
    await close()
  }

  return { server, signaling, listen, close, shutdown }
}
