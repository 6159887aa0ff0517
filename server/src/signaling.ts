import type http from 'node:http'
import { performance } from 'node:perf_hooks'
import { Server, type ServerOptions, type Socket } from 'socket.io'
import type { z } from 'zod'
import { MAX_SIGNAL_DATA_BYTES } from '../../shared/limits.js'
import {
  describeIssues,
  joinRequestSchema,
  leaveRequestSchema,
  signalRequestSchema,
} from '../../shared/schemas.js'
import type {
  ClientToServerEvents,
  ErrorAck,
  ErrorCode,
  JoinAck,
  ServerToClientEvents,
  SimpleAck,
} from '../../shared/signaling.js'
import type { ServerConfig } from './config.js'
import {
  CAP_MESSAGES,
  ConnectionCaps,
  RefusalLog,
  SocketLimiter,
  type CapRefusal,
} from './limits.js'
import { silentLogger, type Logger } from './logger.js'
import { SignalingMetrics } from './metrics.js'
import { clientAddress, originAllowed } from './origin.js'
import { MemoryRoomStore, type RoomStore } from './room-store.js'
import { RoomRegistry, type Departure, type JoinResult } from './rooms.js'
import { iceServersFor } from './turn.js'

/**
 * The largest legitimate message is a `signal` with 64 KiB of base64url `data` (which JSON does
 * not escape). Its envelope, `42<ack id>["signal",{"to":"<≤64 chars>","data":"…"}]` behind the
 * Engine.IO type byte, is under 150 bytes, and the largest `join` (room, peer, token and a
 * 64-character name, even fully \u-escaped) under 1 KiB; 1 KiB of headroom covers both. Anything
 * larger is not a message the protocol allows, and Socket.IO closes that socket.
 */
export const MAX_MESSAGE_BYTES = MAX_SIGNAL_DATA_BYTES + 1024

/** Clients pick their reconnect moment at random within this window after a shutdown notice. */
export const SHUTDOWN_RECONNECT_WINDOW_MS = 5000

/** A socket must send its namespace CONNECT within this, or its engine connection is dropped. */
const CONNECT_TIMEOUT_MS = 10_000

/** Same event names as the contract, but nothing from a socket is trusted before its schema. */
type UntrustedEvents = { [E in keyof ClientToServerEvents]: (...args: unknown[]) => void }

export type SignalingIo = Server<UntrustedEvents, ServerToClientEvents>
type SignalingSocket = Socket<UntrustedEvents, ServerToClientEvents>
type EngineOnce = (event: 'close', listener: () => void) => void
/** The acknowledgement callback of a request, when the client asked for one. */
type Ack = ((answer: JoinAck | SimpleAck) => void) | undefined

export interface SignalingDeps {
  config: ServerConfig
  logger?: Logger
  /** Clock for TURN credential expiry. */
  now?: () => number
  /** Monotonic milliseconds for rate limits; a wall clock that jumps would refill buckets. */
  clock?: () => number
  /** Shared room state for several processes (Redis); in memory by default. */
  store?: RoomStore
  /** Broadcasts to sockets on other processes (the Socket.IO Redis adapter). */
  adapter?: ServerOptions['adapter']
}

export interface SignalingStats {
  connections: number
  rooms: number
  peers: number
}

export interface SignalingServer {
  io: SignalingIo
  metrics: SignalingMetrics
  /** Disconnects every socket and closes the HTTP server it is attached to. */
  close(): Promise<void>
  /**
   * Graceful stop: refuses new sockets, tells every connected client to reconnect (elsewhere)
   * with jitter, waits up to `drainMs` for them to go, then closes.
   */
  shutdown(drainMs: number): Promise<void>
  stats(): SignalingStats
}

export function createSignalingServer(
  httpServer: http.Server,
  deps: SignalingDeps,
): SignalingServer {
  const { config } = deps
  const logger = deps.logger ?? silentLogger
  const now = deps.now ?? Date.now
  const clock = deps.clock ?? (() => performance.now())
  const store = deps.store ?? new MemoryRoomStore(new RoomRegistry({ maxPeers: config.maxPeers }))
  const caps = new ConnectionCaps(config.limits)
  const refusals = new RefusalLog(logger)
  let shuttingDown = false
  const io: SignalingIo = new Server(httpServer, {
    ...(deps.adapter === undefined ? {} : { adapter: deps.adapter }),
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Runs before any socket exists: the cheap refusals (no readable message reaches a browser
    // here, so the caps with a message run in the middleware below).
    allowRequest: (req, callback) => {
      if (shuttingDown) return callback('shutting down', false)
      if (!originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
        refuseConnection('forbidden-origin', { origin: req.headers.origin })
        return callback('origin not allowed', false)
      }
      if (!caps.allowHandshake(clientAddress(req, config.trustProxy))) {
        refuseConnection('too-many-handshakes')
        return callback('too many connections', false)
      }
      callback(null, true)
    },
    // The browser bundles its own client; the client build is served from our origin.
    serveClient: false,
    // A peer whose network vanished leaves the room within ~15 s instead of Socket.IO's 45 s.
    pingInterval: 10_000,
    pingTimeout: 5_000,
    // No `cors` option: the client is served from this origin. No connection-state recovery:
    // it would restore a socket without a `join`, so room membership would silently diverge.
  })
  const metrics = new SignalingMetrics(() => ({ sockets: caps.connections, ...store.stats() }))

  function refuseConnection(reason: string, fields: Record<string, unknown> = {}): void {
    metrics.rejected('connection', reason)
    refusals.connection(reason, clock(), fields)
  }

  const errorMessages: Record<'room-full' | 'peer-taken', string> = {
    'room-full': `This board already has ${config.maxPeers} people, the most a peer-to-peer mesh supports.`,
    'peer-taken': 'This peer id is bound to another tab. Pick a new peer id and token.',
  }

  // Events go to socket ids from the store, never to Socket.IO rooms named after board ids: a
  // board id may equal some socket's id (both are base64url), and `io.to([])` broadcasts to all.
  // A socket id is also a Socket.IO room, which the adapter reaches on whichever process holds it.
  const to = (socketIds: string[]) => (socketIds.length === 0 ? null : io.to(socketIds))

  const announceDeparture = async ({ room, peer }: Departure): Promise<void> => {
    to(await store.socketsIn(room))?.emit('peer-left', { peer })
  }

  const announceDepartures = async (departures: Departure[]): Promise<void> => {
    const results = await Promise.allSettled(departures.map(announceDeparture))
    for (const result of results) {
      if (result.status === 'rejected') logger.error('peer-left failed', { error: result.reason })
    }
  }

  const join = async (socket: SignalingSocket, payload: unknown): Promise<JoinAck> => {
    const request = joinRequestSchema.safeParse(payload)
    if (!request.success) return invalid(request.error)
    const { room, peer, token } = request.data
    // Only a join that would create a room counts against the cap; full servers keep serving
    // the boards they have. The count is this process's rooms (`store.stats()`); whether the room
    // exists is asked of the store, so a board open on another process is never refused here.
    // Joins in flight can overshoot by a few: the cap bounds this process's load, not a number.
    if (
      store.stats().rooms >= config.limits.maxRooms &&
      (await store.socketsIn(room)).length === 0
    ) {
      return failure('server-full', 'This server holds as many boards as it can. Try later.')
    }
    // Read before the registry changes, so a failing clock cannot leave a half-done join.
    const nowMs = now()
    let result: JoinResult
    try {
      result = await store.join(room, socket.id, peer, token)
    } catch (error) {
      // The shared state is unreachable (Redis down). A refusal would end the tab's session for
      // good; a dropped transport makes the client reconnect, maybe to a healthy process, and
      // send `join` again.
      socket.conn.close()
      throw error
    }
    if (!result.ok) {
      logger.info('join refused', { socket: socket.id, error: result.error })
      return failure(result.error, errorMessages[result.error])
    }
    for (const departure of result.departed) await announceDeparture(departure)
    if (result.replacedSocketId !== undefined) {
      // Its disconnect handler finds no membership left, so nobody hears a peer-left. It may
      // live on another process: the adapter forwards the disconnect.
      io.in(result.replacedSocketId).disconnectSockets(true)
    }
    if (!result.alreadyMember) {
      to(await store.socketsIn(room, result.self))?.emit('peer-joined', { peer: result.self })
    }
    // The explicit join after a join in the auth changes nothing: not counted or logged again
    // (every browser sends both, so each connection would log two lines).
    if (!result.alreadyMember || result.replacedSocketId !== undefined) {
      metrics.joined()
      logger.info('join', {
        socket: socket.id,
        members: result.peers.length + 1,
        resumed: result.replacedSocketId !== undefined,
      })
    }
    return {
      ok: true,
      self: result.self,
      peers: result.peers,
      iceServers: iceServersFor(config, result.self, nowMs),
      maxPeers: config.maxPeers,
    }
  }

  const signal = async (socket: SignalingSocket, payload: unknown): Promise<SimpleAck> => {
    // From the start of handling (not from receipt: time queued behind the socket's earlier
    // events is not counted), including the store's lookups.
    const started = performance.now()
    const request = signalRequestSchema.safeParse(payload)
    if (!request.success) return invalid(request.error)
    const sender = await store.peerOf(socket.id)
    if (sender === undefined) return failure('not-joined', 'Join a board before sending signals.')
    const { to: target, data } = request.data
    if (target === sender.peer) return failure('bad-request', 'to: cannot signal yourself')
    const targetSocket = await store.socketOf(sender.room, target)
    if (targetSocket === undefined) {
      return failure('unknown-peer', 'That peer is not on this board (any more).')
    }
    io.to(targetSocket).emit('signal', { from: sender.peer, data })
    metrics.relayed((performance.now() - started) / 1000)
    return { ok: true }
  }

  const leave = async (socket: SignalingSocket, payload: unknown): Promise<SimpleAck> => {
    const request = leaveRequestSchema.safeParse(payload)
    if (!request.success) return invalid(request.error)
    const departure = await store.leave(socket.id)
    if (departure !== null) {
      await announceDeparture(departure)
      logger.info('leave', { socket: socket.id })
    }
    return { ok: true }
  }

  const reply = (
    socket: SignalingSocket,
    event: keyof ClientToServerEvents,
    ack: Ack,
    answer: JoinAck | SimpleAck,
  ): void => {
    if (!answer.ok) {
      metrics.rejected(event, answer.error)
      refusals.socket(socket.id, event, answer.error)
    }
    if (ack === undefined) return
    try {
      ack(answer)
    } catch (error) {
      logger.error('ack failed', { event, socket: socket.id, error })
    }
  }

  const handle = async <A extends JoinAck | SimpleAck>(
    socket: SignalingSocket,
    event: keyof ClientToServerEvents,
    ack: Ack,
    args: unknown[],
    handler: (socket: SignalingSocket, payload: unknown) => Promise<A>,
  ): Promise<void> => {
    let answer: A | ErrorAck
    try {
      answer =
        args.length > 1
          ? failure('bad-request', `${event} takes one payload argument`)
          : await handler(socket, args[0])
    } catch (error) {
      logger.error('handler failed', { event, socket: socket.id, error })
      answer = failure('bad-request', 'The server could not handle this request.')
    }
    reply(socket, event, ack, answer)
  }

  // The store may answer asynchronously (Redis), so one socket's events run one at a time, in
  // order: a disconnect must not overtake the join before it and leave a ghost member behind.
  const pending = new Set<Promise<void>>()
  const serially = () => {
    let last: Promise<void> = Promise.resolve()
    return (task: () => Promise<void>): void => {
      // Never rejects, so one failure cannot skip the socket's later events.
      const next = last
        .then(task)
        .catch((error: unknown) => logger.error('socket task failed', { error }))
      last = next
      pending.add(next)
      void next.finally(() => pending.delete(next))
    }
  }

  // The caps with a readable refusal: the client's `connect_error` carries the code as its
  // message and `{ error, message }` as its data.
  io.use((socket, next) => {
    const admission = caps.admit(clientAddress(socket.request, config.trustProxy))
    if (!admission.ok) {
      refuseConnection(admission.error)
      next(capError(admission.error))
      // The refusal packet is queued on the next tick; closing after it flushes it first, and
      // frees the connection instead of holding it until the connect timeout.
      setImmediate(() => socket.conn.close())
      return
    }
    socket.conn.once('close', admission.release)
    next()
  })

  io.on('connection', (socket) => {
    metrics.connected()
    const limiter = new SocketLimiter(config.limits, clock())
    const run = serially()
    // Rate limits apply on receipt, before the socket's queue: a flood is refused at once instead
    // of waiting in (and growing) the queue behind a slow store. Such a refusal may be answered
    // before the socket's earlier, still queued requests.
    const receive = <A extends JoinAck | SimpleAck>(
      event: keyof ClientToServerEvents,
      args: unknown[],
      handler: (socket: SignalingSocket, payload: unknown) => Promise<A>,
    ): void => {
      const ack = takeAck(args)
      if (!limiter.allow(event, clock())) {
        const message = `Rate limited: too many ${event} requests from this connection. Retrying shortly.`
        reply(socket, event, ack, failure('rate-limited', message))
        return
      }
      run(() => handle(socket, event, ack, args, handler))
    }
    // A join in the connection's auth (`ConnectAuth`) is handled like the explicit `join` that
    // follows it (same limits, same queue, first in it), its answer sent as a `joined` event.
    const auth: unknown = socket.handshake.auth
    if (typeof auth === 'object' && auth !== null && 'join' in auth) {
      const answer = (result: JoinAck | SimpleAck) => socket.emit('joined', result as JoinAck)
      receive('join', [auth.join, answer], join)
    }
    socket.on('join', (...args) => receive('join', args, join))
    socket.on('signal', (...args) => receive('signal', args, signal))
    socket.on('leave', (...args) => receive('leave', args, leave))
    socket.on('disconnect', (reason) =>
      run(async () => {
        try {
          const departure = await store.leave(socket.id)
          if (departure !== null) await announceDeparture(departure)
          logger.info('disconnect', { socket: socket.id, reason, wasMember: departure !== null })
        } catch (error) {
          logger.error('disconnect handler failed', { socket: socket.id, error })
        } finally {
          // Last in the socket's queue: requests queued before the disconnect may still be
          // refused (and logged) above, and must not leave an entry behind.
          refusals.forget(socket.id)
        }
      }),
    )
  })

  store.watch({
    departed: (departures) => {
      logger.warn('evicted a dead process', { departures: departures.length })
      void announceDepartures(departures)
    },
    evicted: () => {
      logger.error('this process was taken for dead; its sockets must join again')
      // Transport closes, not Socket.IO disconnects: only the former make clients reconnect.
      for (const socket of io.sockets.sockets.values()) socket.conn.close()
    },
  })

  io.engine.on('connection', (conn: { request: http.IncomingMessage; once: EngineOnce }) => {
    conn.once('close', caps.trackHandshake(clientAddress(conn.request, config.trustProxy)))
  })

  io.engine.on('connection_error', (error: { code: number; message: string }) => {
    logger.warn('connection error', { code: error.code, message: error.message })
  })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    shuttingDown = true
    closing ??= (async () => {
      // Our members leave their rooms for every process, announced while the adapter still runs.
      try {
        await announceDepartures(await store.shutdown())
      } catch (error) {
        logger.error('could not end memberships', { error })
      }
      await io.close()
      await Promise.allSettled([...pending])
    })()
    return closing
  }

  const shutdown = async (drainMs: number): Promise<void> => {
    shuttingDown = true
    // Stop accepting connections at once (and fail health checks), so a load balancer or a
    // reconnecting client goes elsewhere; open WebSockets are not affected.
    httpServer.close()
    httpServer.closeIdleConnections()
    const notice = { reconnectWithinMs: SHUTDOWN_RECONNECT_WINDOW_MS }
    // `local`: with a cluster adapter, a plain emit would reach every node's clients.
    io.local.emit('server-shutdown', notice)
    logger.info('shutdown notice sent', { sockets: io.engine.clientsCount, drainMs })
    const deadline = Date.now() + drainMs
    while (io.engine.clientsCount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    logger.info('closing', { remaining: io.engine.clientsCount })
    await close()
  }

  return {
    io,
    metrics,
    close,
    shutdown,
    stats: () => ({ connections: io.engine.clientsCount, ...store.stats() }),
  }
}

/** An error whose message is the code, so clients can switch on `connect_error.message`. */
function capError(code: CapRefusal): Error & { data: ErrorAck } {
  return Object.assign(new Error(code), { data: failure(code, CAP_MESSAGES[code]) })
}

/** Socket.IO passes the acknowledgement, when the client asked for one, as the last argument. */
function takeAck(args: unknown[]): Ack {
  const last = args.at(-1)
  if (typeof last !== 'function') return undefined
  args.pop()
  return last as (answer: JoinAck | SimpleAck) => void
}

function failure(error: ErrorCode, message: string): ErrorAck {
  return { ok: false, error, message }
}

function invalid(error: z.ZodError): ErrorAck {
  return failure('bad-request', describeIssues(error))
}
