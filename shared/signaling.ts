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
 * Optional Socket.IO `auth` of a connection: `join` is joined as the connection opens and
 * answered with a `joined` event, one round trip before an explicit `join` could be. The
 * client still sends `join` after connecting, as the contract asks; on a socket that is in the
 * room already, that one is an idempotent re-join.
 */
export interface ConnectAuth {
  join?: JoinRequest
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
  /** The answer to a join sent in the connection's `auth` (see `ConnectAuth`). */
  joined: (answer: JoinAck) => void
  'peer-joined': (event: PeerEvent) => void
  'peer-left': (event: PeerEvent) => void
  signal: (event: SignalEvent) => void
  'server-shutdown': (event: ShutdownNotice) => void
}
