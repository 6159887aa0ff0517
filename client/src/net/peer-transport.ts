/**
 * The seam between the mesh and a WebRTC library: the mesh only sees this interface, so its
 * logic is testable without browsers and simple-peer is imported in one module only.
 */
import type { IceServer } from '../../../shared/signaling'
import type { FrameTransport } from './frame-sender'

export type SignalData = Record<string, unknown>

export interface PeerTransportEvents {
  onSignal(data: SignalData): void
  /** The data channel is open: frames may flow. */
  onConnect(channel: FrameTransport): void
  onData(bytes: Uint8Array): void
  onIceState(state: RTCIceConnectionState): void
  onClose(): void
  onError(error: Error): void
}

/**
 * The link's one audio slot, negotiated once per connection ahead of any voice: voice only
 * swaps the track in it, so joining or leaving voice needs no SDP round trip and cannot
 * collide with the other side.
 */
export interface PeerAudio {
  /**
   * Negotiates the slot now (the dialling side offers it; on the other side it arrives with
   * that offer). Called once the link's board is in sync, so audio never delays the board.
   */
  prepare(): void
  /** Settles once the slot exists on this side (tracks may be set before). */
  readonly ready: Promise<void>
  /** Sends `track` (null: send nothing) on this link. */
  setTrack(track: MediaStreamTrack | null): Promise<void>
  /** The remote side's audio, once the slot exists (the answerer learns it from the offer). */
  remoteTrack(): MediaStreamTrack | null
}

export interface PeerTransport {
  signal(data: SignalData): void
  destroy(): void
  /** The underlying connection, for stats; null outside browsers. */
  readonly connection: RTCPeerConnection | null
  /**
   * Restarts ICE on a live connection: the initiator sends a new offer with fresh credentials
   * (through signaling), the answerer asks the initiator to. Absent where unsupported.
   */
  restartIce?(): void
  /** Absent where the transport carries no audio (tests, Node). */
  readonly audio?: PeerAudio | null
}

export interface PeerTransportOptions {
  initiator: boolean
  iceServers: IceServer[]
  events: PeerTransportEvents
}

export type PeerFactory = (options: PeerTransportOptions) => PeerTransport
