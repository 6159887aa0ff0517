/**
 * The browser side of the signaling contract. The mesh talks to the `Signaling` interface;
 * `SocketSignaling` implements it over Socket.IO and re-joins on every reconnect with the same
 * peer id and token, so a signaling outage never creates a second peer connection.
 */
import { io, type Socket } from 'socket.io-client'
import type {
  ClientToServerEvents,
  ConnectAuth,
  ErrorAck,
  JoinAck,
  JoinOk,
  JoinRequest,
  ServerToClientEvents,
} from '../../../shared/signaling'
import { randomId } from './encoding'

export type SignalingStatus = 'connecting' | 'joined' | 'offline' | 'rejected'

export interface SignalingEvents {
  joined(ack: JoinOk): void
  peerJoined(peer: string): void
  peerLeft(peer: string): void
  signal(from: string, data: string): void
  status(status: SignalingStatus, error?: ErrorAck): void
}

export interface Signaling {
  /** This tab's peer id, fixed for the page's lifetime. */
  readonly self: string
  start(events: SignalingEvents): void
  /** Relays an opaque payload; dropped while not joined (the mesh re-dials later). */
  signal(to: string, data: string): void
  stop(): void
}

export interface SocketSignalingOptions {
  url?: string
  room: string
  joinTimeoutMs?: number
}

const RETRYABLE: ReadonlySet<string> = new Set(['rate-limited'])
/** Refusals at connection time; Socket.IO keeps reconnecting with backoff after them. */
const CONNECT_REFUSALS: ReadonlySet<string> = new Set(['too-many-connections', 'server-full'])

export class SocketSignaling implements Signaling {
  readonly self = randomId(16)
  readonly #token = randomId(24)
  readonly #options: SocketSignalingOptions
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null
  #joined = false

  constructor(options: SocketSignalingOptions) {
    this.#options = options
  }

  start(events: SignalingEvents): void {
    // No name: the server has no use for who people are.
    const request: JoinRequest = { room: this.#options.room, peer: this.self, token: this.#token }
    // Joined as the connection opens (ConnectAuth), so the first offers leave one server round
    // trip earlier; Socket.IO sends the same auth on every reconnect.
    const auth: ConnectAuth = { join: request }
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.#options.url ?? '', {
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      auth,
    })
    this.#socket = socket
    events.status('connecting')

    // Of a connection's answers (the auth's `joined` event, then the explicit join's ack), the
    // first success counts and the rest repeat it; a refusal counts from the explicit join only,
    // so a server that ignores the auth behaves as before.
    const accept = (ack: JoinOk) => {
      if (this.#joined) return
      this.#joined = true
      events.joined(ack)
      events.status('joined')
    }
    socket.on('joined', (answer) => {
      if (isJoinOk(answer)) accept(answer)
    })
    const join = () => {
      socket
        .timeout(this.#options.joinTimeoutMs ?? 10_000)
        .emit('join', request, (timeoutError: Error | null, ack: JoinAck) => {
          if (timeoutError) {
            // The server is up but silent: drop the socket and let reconnection try again.
            socket.disconnect().connect()
            return
          }
          if (ack.ok) return accept(ack)
          events.status('rejected', ack)
          if (RETRYABLE.has(ack.error)) setTimeout(join, 2000)
          else socket.disconnect()
        })
    }

    socket.on('connect', join)
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      if (CONNECT_REFUSALS.has(error.message) && isErrorAck(error.data)) {
        events.status('rejected', error.data)
        // Socket.IO does not retry a refusal by the server's middleware on its own; a full
        // server frees up, so try again later, at a random moment so refused tabs spread out.
        if (!socket.active) {
          setTimeout(
            () => {
              if (this.#socket === socket && !socket.active) socket.connect()
            },
            5000 + Math.random() * 10_000,
          )
        }
      }
    })
    socket.on('server-shutdown', (notice) => {
      // The server is going away: leave now and come back at a random moment in the window it
      // names, so a whole node's clients do not reconnect (to the next node) at once.
      const windowMs = typeof notice?.reconnectWithinMs === 'number' ? notice.reconnectWithinMs : 0
      socket.disconnect()
      setTimeout(
        () => {
          if (this.#socket === socket) socket.connect()
        },
        Math.random() * Math.min(Math.max(windowMs, 0), 60_000),
      )
    })
    socket.on('disconnect', () => {
      this.#joined = false
      events.status('offline')
    })
    socket.on('peer-joined', (event) => {
      if (isPeerEvent(event)) events.peerJoined(event.peer)
    })
    socket.on('peer-left', (event) => {
      if (isPeerEvent(event)) events.peerLeft(event.peer)
    })
    socket.on('signal', (event) => {
      if (typeof event?.from === 'string' && typeof event.data === 'string') {
        events.signal(event.from, event.data)
      }
    })
  }

  signal(to: string, data: string): void {
    if (!this.#joined || !this.#socket) return
    this.#socket.emit('signal', { to, data }, () => undefined)
  }

  stop(): void {
    this.#socket?.disconnect()
    this.#socket = null
    this.#joined = false
  }
}

function isErrorAck(value: unknown): value is ErrorAck {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { ok?: unknown }).ok === false &&
    typeof (value as { error?: unknown }).error === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}

function isJoinOk(value: unknown): value is JoinOk {
  if (typeof value !== 'object' || value === null) return false
  const answer = value as Partial<Record<keyof JoinOk, unknown>>
  return (
    answer.ok === true &&
    typeof answer.self === 'string' &&
    Array.isArray(answer.peers) &&
    answer.peers.every((peer) => typeof peer === 'string') &&
    Array.isArray(answer.iceServers) &&
    typeof answer.maxPeers === 'number'
  )
}

function isPeerEvent(event: unknown): event is { peer: string } {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { peer?: unknown }).peer === 'string'
  )
}
