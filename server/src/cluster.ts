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
    adapter: createAdapter(catchingRejections(pub, logger), catchingRejections(sub, logger)),
    close: async () => {
      // close() lets queued replies arrive; while Redis is unreachable there are none to wait
      // for, and a graceful close would wait for a reconnect that may never come.
      for (const client of [pub, sub]) {
        if (client.isReady) await client.close().catch(() => client.destroy())
        else if (client.isOpen) client.destroy()
      }
    },
  }
}

/**
 * The adapter calls these without handling their promises: while Redis is unreachable, every
 * broadcast (and the unsubscribes at shutdown) would be an unhandled rejection, which ends a
 * Node process. They are logged instead; the mesh re-dials and clients re-join once Redis is
 * back.
 */
const UNCHECKED_BY_ADAPTER = new Set<string | symbol>([
  'publish',
  'subscribe',
  'pSubscribe',
  'unsubscribe',
  'pUnsubscribe',
])

function catchingRejections<C extends object>(client: C, logger: Logger): C {
  return new Proxy(client, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      // node-redis keeps state in private fields, which only the real object can reach.
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (!UNCHECKED_BY_ADAPTER.has(key)) return method
      return (...args: unknown[]) => {
        const result = method(...args)
        if (!(result instanceof Promise)) return result
        return result.catch((error: unknown) => {
          logger.warn('redis pub/sub command failed', { command: String(key), error })
          return undefined
        })
      }
    },
  })
}
