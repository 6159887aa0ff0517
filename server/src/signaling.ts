import type http from 'node:http'
import { performance } from 'node:perf_hooks'
import { Server, type Socket } from 'socket.io'
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
import { RoomRegistry, type Departure } from './rooms.js'
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

export interface SignalingDeps {
  config: ServerConfig
  logger?: Logger
  /** Clock for TURN credential expiry. */
  now?: () => number
  /** Monotonic milliseconds for rate limits; a wall clock that jumps would refill buckets. */
  clock?: () => number
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
  const registry = new RoomRegistry({ maxPeers: config.maxPeers })
  const caps = new ConnectionCaps(config.limits)
  const refusals = new RefusalLog(logger)
  const limiters = new Map<string, SocketLimiter>()
  let shuttingDown = false
  const io: SignalingIo = new Server(httpServer, {
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
  const metrics = new SignalingMetrics(() => ({ sockets: caps.connections, ...registry.stats() }))

  function refuseConnection(reason: string, fields: Record<string, unknown> = {}): void {
    metrics.rejected('connection', reason)
    refusals.connection(reason, clock(), fields)
  }

  const errorMessages: Record<'room-full' | 'peer-taken', string> = {
    'room-full': `This board already has ${config.maxPeers} people, the most a peer-to-peer mesh supports.`,
    'peer-taken': 'This peer id is bound to another tab. Pick a new peer id and token.',
  }

  // Events go to socket ids from the registry, never to Socket.IO rooms named after board ids:
  // a board id may equal some socket's id (both are base64url), and `io.to([])` broadcasts to all.
  const deliver = (socketIds: string[], send: (socket: SignalingSocket) => void): void => {
    for (const socketId of socketIds) {
      const socket = io.sockets.sockets.get(socketId)
      if (socket !== undefined) send(socket)
    }
  }

  const announceDeparture = ({ room, peer }: Departure): void => {
    deliver(registry.socketsIn(room), (socket) => socket.emit('peer-left', { peer }))
  }

  const join = (socket: SignalingSocket, payload: unknown): JoinAck => {
    const request = joinRequestSchema.safeParse(payload)
    if (!request.success) return invalid(request.error)
    const { room, peer, token } = request.data
    // Only a join that would create a room counts against the cap; full servers keep serving
    // the boards they have.
    if (registry.stats().rooms >= config.limits.maxRooms && registry.socketsIn(room).length === 0) {
      return failure('server-full', 'This server holds as many boards as it can. Try later.')
    }
    // Read before the registry changes, so a failing clock cannot leave a half-done join.
    const nowMs = now()
    const result = registry.join(room, socket.id, peer, token)
    if (!result.ok) {
      logger.info('join refused', { socket: socket.id, error: result.error })
      return failure(result.error, errorMessages[result.error])
    }
    for (const departure of result.departed) announceDeparture(departure)
    if (result.replacedSocketId !== undefined) {
      // Its disconnect handler finds no membership left, so nobody hears a peer-left.
      io.sockets.sockets.get(result.replacedSocketId)?.disconnect(true)
    }
    if (!result.alreadyMember) {
      deliver(registry.socketsIn(room, result.self), (other) =>
        other.emit('peer-joined', { peer: result.self }),
      )
    }
    metrics.joined()
    logger.info('join', {
      socket: socket.id,
      members: result.peers.length + 1,
      resumed: result.replacedSocketId !== undefined,
    })
    return {
      ok: true,
      self: result.self,
      peers: result.peers,
      iceServers: iceServersFor(config, result.self, nowMs),
      maxPeers: config.maxPeers,
    }
  }

  const signal = (socket: SignalingSocket, payload: unknown): SimpleAck => {
    const started = performance.now()
    const request = signalRequestSchema.safeParse(payload)
    if (!request.success) return invalid(request.error)
    const sender = registry.peerOf(socket.id)
    if (sender === undefined) return failure('not-joined', 'Join a board before sending signals.')
    const { to, data } = request.data
    if (to === sender.peer) return failure('bad-request', 'to: cannot signal yourself')
    const target = registry.socketOf(sender.room, to)
    const targetSocket = target === undefined ? undefined : io.sockets.sockets.get(target)
    if (targetSocket === undefined) {
      return failure('unknown-peer', 'That peer is not on this board (any more).')
    }
    targetSocket.emit('signal', { from: sender.peer, data })
    metrics.relayed((performance.now() - started) / 1000)
    return { ok: true }
  }

  const leave = (socket: SignalingSocket, payload: unknown): SimpleAck => {
    const request = leaveRequestSchema.safeParse(payload)
    if (!request.success) return invalid(request.error)
    const departure = registry.leave(socket.id)
    if (departure !== null) {
      announceDeparture(departure)
      logger.info('leave', { socket: socket.id })
    }
    return { ok: true }
  }

  const handle = <A extends JoinAck | SimpleAck>(
    socket: SignalingSocket,
    event: keyof ClientToServerEvents,
    args: unknown[],
    handler: (socket: SignalingSocket, payload: unknown) => A,
  ): void => {
    const ack = takeAck(args)
    let answer: A | ErrorAck
    try {
      if (limiters.get(socket.id)?.allow(event, clock()) === false) {
        answer = failure(
          'rate-limited',
          `Rate limited: too many ${event} requests from this connection. Retrying shortly.`,
        )
      } else {
        answer =
          args.length > 1
            ? failure('bad-request', `${event} takes one payload argument`)
            : handler(socket, args[0])
      }
    } catch (error) {
      logger.error('handler failed', { event, socket: socket.id, error })
      answer = failure('bad-request', 'The server could not handle this request.')
    }
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
    limiters.set(socket.id, new SocketLimiter(config.limits, clock()))
    socket.on('join', (...args) => handle(socket, 'join', args, join))
    socket.on('signal', (...args) => handle(socket, 'signal', args, signal))
    socket.on('leave', (...args) => handle(socket, 'leave', args, leave))
    socket.on('disconnect', (reason) => {
      limiters.delete(socket.id)
      refusals.forget(socket.id)
      try {
        const departure = registry.leave(socket.id)
        if (departure !== null) announceDeparture(departure)
        logger.info('disconnect', { socket: socket.id, reason, wasMember: departure !== null })
      } catch (error) {
        logger.error('disconnect handler failed', { socket: socket.id, error })
      }
    })
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
    closing ??= io.close()
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
    stats: () => ({ connections: io.engine.clientsCount, ...registry.stats() }),
  }
}

/** An error whose message is the code, so clients can switch on `connect_error.message`. */
function capError(code: CapRefusal): Error & { data: ErrorAck } {
  return Object.assign(new Error(code), { data: failure(code, CAP_MESSAGES[code]) })
}

/** Socket.IO passes the acknowledgement, when the client asked for one, as the last argument. */
function takeAck(args: unknown[]): ((answer: JoinAck | SimpleAck) => void) | undefined {
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
