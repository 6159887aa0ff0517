import type http from 'node:http'
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
import { silentLogger, type Logger } from './logger.js'
import { MemoryRoomStore, type RoomStore } from './room-store.js'
import { RoomRegistry, type Departure, type JoinResult } from './rooms.js'
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
  const store = deps.store ?? new MemoryRoomStore(new RoomRegistry({ maxPeers: config.maxPeers }))
  const io: SignalingIo = new Server(httpServer, {
    ...(deps.adapter === undefined ? {} : { adapter: deps.adapter }),
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

  const signal = async (socket: SignalingSocket, payload: unknown): Promise<SimpleAck> => {
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

  const handle = async <A extends JoinAck | SimpleAck>(
    socket: SignalingSocket,
    event: keyof ClientToServerEvents,
    args: unknown[],
    handler: (socket: SignalingSocket, payload: unknown) => Promise<A>,
  ): Promise<void> => {
    const ack = takeAck(args)
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
    if (!answer.ok)
      logger.warn('request refused', { event, socket: socket.id, error: answer.error })
    if (ack === undefined) return
    try {
      ack(answer)
    } catch (error) {
      logger.error('ack failed', { event, socket: socket.id, error })
    }
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

  io.on('connection', (socket) => {
    const run = serially()
    socket.on('join', (...args) => run(() => handle(socket, 'join', args, join)))
    socket.on('signal', (...args) => run(() => handle(socket, 'signal', args, signal)))
    socket.on('leave', (...args) => run(() => handle(socket, 'leave', args, leave)))
    socket.on('disconnect', (reason) =>
      run(async () => {
        try {
          const departure = await store.leave(socket.id)
          if (departure !== null) await announceDeparture(departure)
          logger.info('disconnect', { socket: socket.id, reason, wasMember: departure !== null })
        } catch (error) {
          logger.error('disconnect handler failed', { socket: socket.id, error })
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

  io.engine.on('connection_error', (error: { code: number; message: string }) => {
    logger.warn('connection error', { code: error.code, message: error.message })
  })

  return {
    io,
    close: async () => {
      // Our members leave their rooms for every process, announced while the adapter still runs.
      try {
        await announceDepartures(await store.shutdown())
      } catch (error) {
        logger.error('could not end memberships', { error })
      }
      await io.close()
      await Promise.allSettled([...pending])
    },
    stats: () => ({ connections: io.engine.clientsCount, ...store.stats() }),
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
