import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Cluster } from './cluster.js'
import type { ServerConfig } from './config.js'
import { silentLogger, type Logger } from './logger.js'
import { createSignalingServer, type SignalingServer } from './signaling.js'
import { createStaticHandler } from './static.js'

export interface AppDeps {
  logger?: Logger
  now?: () => number
  /** Shared rooms through Redis (REDIS_URL); closed with the app. */
  cluster?: Cluster
}

export interface App {
  server: http.Server
  signaling: SignalingServer
  /** Resolves with the bound address (the real port when `config.port` is 0). */
  listen(): Promise<{ port: number; host: string }>
  close(): Promise<void>
}

/** One HTTP server for the built client and the signaling server, so they share an origin. */
export function createApp(config: ServerConfig, deps: AppDeps = {}): App {
  const logger = deps.logger ?? silentLogger
  const server = http.createServer(createStaticHandler(config.clientDir, logger))
  const { cluster } = deps
  const signaling = createSignalingServer(server, {
    config,
    logger,
    now: deps.now,
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

  const close = async (): Promise<void> => {
    const closing = signaling.close()
    // Keep-alive HTTP connections would otherwise hold `server.close()` open until they time out.
    server.closeIdleConnections()
    await closing
    await cluster?.close()
  }

  return { server, signaling, listen, close }
}
