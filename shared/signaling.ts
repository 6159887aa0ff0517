/**
 * The signaling contract between browser and server (Socket.IO, default namespace).
 * docs/PROTOCOL.md describes every message; this file is its typed form.
 */

export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export interface JoinRequest {
  room: string
  /** Stable id of this tab; survives signaling reconnects. */
  peer?: string
  /** Private secret that binds `peer` to this tab. */
  token?: string
  name?: string
}

export interface SignalRequest {
  to: string
  /** Opaque to the server (sealed by the browsers). */
  data: string
}

export type ErrorCode =
  | 'bad-request'
  | 'room-full'
  | 'rate-limited'
  | 'peer-taken'
  | 'not-joined'
  | 'unknown-peer'
  | 'too-large'
  | 'too-many-connections'
  | 'server-full'

export interface ErrorAck {
  ok: false
  error: ErrorCode
  message: string
}

export interface JoinOk {
  ok: true
  self: string
  peers: string[]
  iceServers: IceServer[]
  maxPeers: number
}

export type JoinAck = JoinOk | ErrorAck
export type SimpleAck = { ok: true } | ErrorAck

export interface PeerEvent {
  peer: string
}

/**
 * The server is about to stop. Clients should reconnect (elsewhere, behind a load balancer) at a
 * random moment within `reconnectWithinMs`, so they do not all arrive at once.
 */
export interface ShutdownNotice {
  reconnectWithinMs: number
}

export interface SignalEvent {
  from: string
  data: string
}

/**
 * Incoming payloads are typed `unknown` on the server: nothing from a socket is trusted until a
 * schema accepted it.
 */
export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (answer: JoinAck) => void) => void
  signal: (request: SignalRequest, ack: (answer: SimpleAck) => void) => void
  leave: (request: Record<string, never>, ack: (answer: SimpleAck) => void) => void
}

export interface ServerToClientEvents {
  'peer-joined': (event: PeerEvent) => void
  'peer-left': (event: PeerEvent) => void
  signal: (event: SignalEvent) => void
  'server-shutdown': (event: ShutdownNotice) => void
}
