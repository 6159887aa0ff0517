import { createAdapter } from '@socket.io/redis-adapter'
import { createClient } from 'redis'
import type { ServerOptions } from 'socket.io'
import type { Logger } from './logger.js'
import { RedisRoomStore, type RedisRoomStoreOptions } from './redis-room-store.js'

/**
 * What several signaling processes share through one Redis: the Socket.IO adapter (events to
 * sockets held by another process) and the room store (membership, bindings, the cap).
 */
export interface Cluster {
  store: RedisRoomStore
  adapter: ServerOptions['adapter']
  /** Closes the Redis connections; call after the signaling server closed. */
  close(): Promise<void>
}

export type ClusterOptions = Omit<RedisRoomStoreOptions, 'onError'> & { logger: Logger }

export async function connectCluster(url: string, options: ClusterOptions): Promise<Cluster> {
  const { logger } = options
  // Commands fail at once while Redis is unreachable, so a join is refused quickly instead of
  // waiting in a queue; node-redis reconnects by itself.
  const pub = createClient({ url, disableOfflineQueue: true })
  const sub = pub.duplicate()
  for (const [role, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    // Without a listener, node-redis would throw connection errors out of the event loop.
    client.on('error', (error: unknown) => logger.error('redis error', { client: role, error }))
  }
  await Promise.all([pub.connect(), sub.connect()])
  const store = new RedisRoomStore(pub, {
    ...options,
    onError: (error) => logger.error('redis heartbeat failed', { error }),
  })
  await store.start()
  return {
    store,
    adapter: createAdapter(pub, sub),
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()])
    },
  }
}
