import { createApp } from './app.js'
import { connectCluster, type Cluster } from './cluster.js'
import { loadConfig, type ServerConfig } from './config.js'
import { createPinoLogger, type Logger } from './logger.js'

/** Past the drain (at most 20 s, see SHUTDOWN_DRAIN_MS), a stuck close gets this much more. */
const SHUTDOWN_EXTRA_MS = 5000

let config: ServerConfig
let logger: Logger
try {
  config = loadConfig(process.env)
  logger = createPinoLogger(config.logLevel)
} catch (error) {
  createPinoLogger().error(error instanceof Error ? error.message : String(error))
  process.exit(1)
}

let cluster: Cluster | undefined
if (config.redisUrl !== undefined) {
  try {
    cluster = await connectCluster(config.redisUrl, { maxPeers: config.maxPeers, logger })
    logger.info('sharing rooms through Redis', { node: cluster.store.nodeId })
  } catch (error) {
    logger.error('could not connect to Redis', { error })
    process.exit(1)
  }
}

const app = createApp(config, { logger, cluster })
try {
  const { port, host } = await app.listen()
  const urlHost = host.includes(':') ? `[${host}]` : host
  logger.info(`Peerboard on http://${urlHost}:${port}`, { clientDir: config.clientDir })
} catch (error) {
  logger.error('could not listen', { port: config.port, host: config.host, error })
  process.exit(1)
}

let stopping = false
const shutdown = (signal: NodeJS.Signals): void => {
  if (stopping) {
    logger.warn('second signal, exiting now', { signal })
    process.exit(1)
  }
  stopping = true
  logger.info('shutting down', { signal })
  // A stuck connection must not keep a stopped service alive.
  setTimeout(() => {
    logger.error('shutdown took too long, exiting')
    process.exit(1)
  }, config.shutdownDrainMs + SHUTDOWN_EXTRA_MS).unref()
  app.shutdown().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error('shutdown failed', { error })
      process.exit(1)
    },
  )
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
