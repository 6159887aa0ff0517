/**
 * The browser side of the signaling contract. The mesh talks to the `Signaling` interface;
 * `SocketSignaling` implements it over Socket.IO and re-joins on every reconnect with the same
 * peer id and token, so a signaling outage never creates a second peer connection.
 */
import { io, type Socket } from 'socket.io-client'
import type {
  ClientToServerEvents,
  ErrorAck,
  JoinAck,
  JoinOk,
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
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.#options.url ?? '', {
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    })
    this.#socket = socket
    events.status('connecting')

    const join = () => {
      socket.timeout(this.#options.joinTimeoutMs ?? 10_000).emit(
        'join',
        // No name: the server has no use for who people are.
        { room: this.#options.room, peer: this.self, token: this.#token },
        (timeoutError: Error | null, ack: JoinAck) => {
          if (timeoutError) {
            // The server is up but silent: drop the socket and let reconnection try again.
            socket.disconnect().connect()
            return
          }
          if (ack.ok) {
            this.#joined = true
            events.joined(ack)
            events.status('joined')
            return
          }
          events.status('rejected', ack)
          if (RETRYABLE.has(ack.error)) setTimeout(join, 2000)
          else socket.disconnect()
        },
      )
    }

    socket.on('connect', join)
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

function isPeerEvent(event: unknown): event is { peer: string } {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { peer?: unknown }).peer === 'string'
  )
}
