import type http from 'node:http'
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
import { silentLogger, type Logger } from './logger.js'
import { RoomRegistry, type Departure } from './rooms.js'
import { iceServersFor } from './turn.js'

/** A full signal payload plus room for the Socket.IO envelope; anything larger drops the socket. */
export const MAX_MESSAGE_BYTES = MAX_SIGNAL_DATA_BYTES + 32 * 1024

/** Same event names as the contract, but nothing from a socket is trusted before its schema. */
type UntrustedEvents = { [E in keyof ClientToServerEvents]: (...args: unknown[]) => void }

export type SignalingIo = Server<UntrustedEvents, ServerToClientEvents>
type SignalingSocket = Socket<UntrustedEvents, ServerToClientEvents>

export interface SignalingDeps {
  config: ServerConfig
  logger?: Logger
  /** Clock for TURN credential expiry. */
  now?: () => number
}

export interface SignalingStats {
  connections: number
  rooms: number
  peers: number
}

export interface SignalingServer {
  io: SignalingIo
  /** Disconnects every socket and closes the HTTP server it is attached to. */
  close(): Promise<void>
  stats(): SignalingStats
}

export function createSignalingServer(
  httpServer: http.Server,
  deps: SignalingDeps,
): SignalingServer {
  const { config } = deps
  const logger = deps.logger ?? silentLogger
  const now = deps.now ?? Date.now
  const registry = new RoomRegistry({ maxPeers: config.maxPeers })
  const io: SignalingIo = new Server(httpServer, {
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    // The browser bundles its own client; the client build is served from our origin.
    serveClient: false,
    // A peer whose network vanished leaves the room within ~15 s instead of Socket.IO's 45 s.
    pingInterval: 10_000,
    pingTimeout: 5_000,
    // No `cors` option: the client is served from this origin. No connection-state recovery:
    // it would restore a socket without a `join`, so room membership would silently diverge.
  })

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
      answer =
        args.length > 1
          ? failure('bad-request', `${event} takes one payload argument`)
          : handler(socket, args[0])
    } catch (error) {
      logger.error('handler failed', { event, socket: socket.id, error })
      answer = failure('bad-request', 'The server could not handle this request.')
    }
    if (!answer.ok)
      logger.warn('request refused', { event, socket: socket.id, error: answer.error })
    if (ack === undefined) return
    try {
      ack(answer)
    } catch (error) {
      logger.error('ack failed', { event, socket: socket.id, error })
    }
  }

  io.on('connection', (socket) => {
    socket.on('join', (...args) => handle(socket, 'join', args, join))
    socket.on('signal', (...args) => handle(socket, 'signal', args, signal))
    socket.on('leave', (...args) => handle(socket, 'leave', args, leave))
    socket.on('disconnect', (reason) => {
      try {
        const departure = registry.leave(socket.id)
        if (departure !== null) announceDeparture(departure)
        logger.info('disconnect', { socket: socket.id, reason, wasMember: departure !== null })
      } catch (error) {
        logger.error('disconnect handler failed', { socket: socket.id, error })
      }
    })
  })

  io.engine.on('connection_error', (error: { code: number; message: string }) => {
    logger.warn('connection error', { code: error.code, message: error.message })
  })

  return {
    io,
    close: () => io.close(),
    stats: () => ({ connections: io.engine.clientsCount, ...registry.stats() }),
  }
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
