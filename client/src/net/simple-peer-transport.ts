/**
 * PeerTransport over simple-peer. Its browser bundle carries its own shims; the package entry
 * point fails in Chromium (`global is not defined`).
 */
import SimplePeer from 'simple-peer/simplepeer.min.js'
import { HIGH_WATER_BYTES, type FrameTransport } from './frame-sender'
import { worthSignaling } from './ice-candidates'
import { tuneOpus } from './opus-sdp'
import type { PeerAudio, PeerFactory, SignalData } from './peer-transport'

/** simple-peer's private fields that we rely on, typed once here. */
interface SimplePeerInternals {
  _pc: RTCPeerConnection | undefined
  _channel: RTCDataChannel | undefined
  /** Queued while an offer/answer is in flight; a restart must not wait behind a stale one. */
  _isNegotiating: boolean
  negotiate(): void
}

/**
 * `iceTransportPolicy: 'relay'` uses TURN candidates only: a way to check that TURN works
 * (the page's `?relay` parameter) without a network that blocks direct paths.
 */
export function createSimplePeerFactory(
  extra: Record<string, unknown> = {},
  iceTransportPolicy: RTCIceTransportPolicy = 'all',
): PeerFactory {
  const certificate = pageCertificate()
  return ({ initiator, iceServers, events }) => {
    const current = certificate.current
    // Chromium's default lifetime is 30 days; a tab open that long makes its own again.
    const certificates = current && current.expires > Date.now() + 60_000 ? [current] : undefined
    const peer = new SimplePeer({
      initiator,
      trickle: true,
      // Explicit: simple-peer's default contacts public STUN servers.
      config: { iceServers, iceTransportPolicy, certificates },
      sdpTransform: tuneOpus,
      ...extra,
    })
    const internals = peer as unknown as SimplePeerInternals
    const audio = internals._pc
      ? audioSlot(internals._pc, initiator, () => {
          if (!peer.destroyed) internals.negotiate()
        })
      : null
    peer.on('signal', (data) => {
      const signal = data as unknown as SignalData
      if (worthSignaling(signal)) events.onSignal(signal)
    })
    // The link is usable once its data channel is open; simple-peer's own 'connect' comes
    // later, after a getStats round trip (and 100 ms retries until a pair is selected).
    let opened = false
    const open = (channel: RTCDataChannel) => {
      if (opened || peer.destroyed) return
      opened = true
      events.onConnect(channelTransport(channel))
    }
    const watch = (channel: RTCDataChannel) => {
      // Messages are read from the channel itself, and simple-peer's own handler (set just
      // before this runs) is taken off: it pushed every message through a stream whose
      // setTimeout-based callbacks cost about 0.15 ms and one extra task per message, ahead
      // of this listener, and queued a late joiner's chunks behind one another.
      channel.onmessage = null
      // Attached at creation: the remote side's first frames can precede 'open' handling.
      channel.addEventListener('message', (event: MessageEvent<unknown>) => {
        const data = event.data
        if (data instanceof ArrayBuffer) events.onData(new Uint8Array(data))
        else if (ArrayBuffer.isView(data)) {
          events.onData(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
        }
      })
      if (channel.readyState === 'open') open(channel)
      else channel.addEventListener('open', () => open(channel), { once: true })
    }
    if (internals._channel) watch(internals._channel)
    else internals._pc?.addEventListener('datachannel', (event) => watch(event.channel))
    peer.on('connect', () => {
      if (internals._channel) open(internals._channel)
    })
    peer.on('iceStateChange', (state: RTCIceConnectionState) => events.onIceState(state))
    peer.on('close', () => events.onClose())
    peer.on('error', (error: Error) => events.onError(error))
    return {
      signal: (data) => {
        const pc = internals._pc
        // The answerer's restart request: simple-peer would renegotiate with the old ICE
        // credentials, which cannot revive a dead candidate pair.
        if (data.renegotiate === true && initiator) pc?.restartIce()
        // An answer with no offer of ours out is stale (a duplicate, or for an offer that was
        // superseded): applying it fails, and simple-peer would close a working link over it.
        if (data.type === 'answer' && pc && pc.signalingState !== 'have-local-offer') return
        peer.signal(data as unknown as SimplePeer.SignalData)
      },
      destroy: () => peer.destroy(),
      get connection() {
        return internals._pc ?? null
      },
      restartIce: () => restartIce(peer, internals, initiator),
      audio,
    }
  }
}

/**
 * One DTLS certificate for all of this page's connections, made while the page loads. Without
 * it every RTCPeerConnection generates its own key pair, and the first offer waits for it:
 * constructing 7 connections and creating their offers took 47 + 47 and 30 + 15 ms in two
 * runs, against 22 + 10 and 16 + 16 ms with one shared certificate (Chromium, this 2-core
 * machine), CPU that a joining mesh is short of. Peers see the same fingerprint on each of
 * our links, which tells them nothing they do not know: every fingerprint travels sealed with
 * the room key. Until it is ready (or where it fails), connections make their own as before.
 */
function pageCertificate(): { current: RTCCertificate | null } {
  const holder: { current: RTCCertificate | null } = { current: null }
  if (typeof RTCPeerConnection === 'undefined' || !RTCPeerConnection.generateCertificate) {
    return holder
  }
  RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams)
    .then((certificate) => (holder.current = certificate))
    .catch(() => undefined)
  return holder
}

/**
 * simple-peer has no ICE restart. `restartIce()` marks the connection so that the next offer
 * carries fresh ICE credentials; simple-peer's own `negotiate()` then creates and signals that
 * offer (the initiator) or asks the initiator for one (the answerer).
 *
 * The initiator never has two offers out: while one is in flight, simple-peer queues the next
 * and sends it once the answer is in. Both sides restart at about the same moment (each sees
 * ICE go `disconnected`), so the initiator is often asked while its own restart offer is out;
 * a second offer then drew a second answer that found the connection already stable, and
 * simple-peer closed the link over it. An offer whose answer never comes leaves the queue
 * waiting: ICE then fails and the mesh re-dials.
 */
function restartIce(peer: SimplePeer.Instance, internals: SimplePeerInternals, initiator: boolean) {
  const pc = internals._pc
  if (peer.destroyed || !pc || pc.signalingState === 'closed') return
  if (initiator) pc.restartIce()
  // The answerer only sends a request; one lost with the network must not block the next.
  else internals._isNegotiating = false
  internals.negotiate()
}

/**
 * One sendrecv audio transceiver per link, negotiated after the board is in sync (AudioSlots
 * decides when) rather than in the first offer: an audio section there cost about 200 ms of
 * every link's setup on a 2-core machine (2-peer setup p50 about 700 ms without it, 800-1,000
 * with it), time in which the board could not sync. `prepare()` on the dialler adds the
 * transceiver and lets simple-peer offer again; only the dialler ever offers, so the two
 * sides cannot collide (no glare). On the answering side that offer's audio section creates
 * a recvonly transceiver during setRemoteDescription (the 'track' event fires then, before
 * simple-peer asks for the answer): turning it sendrecv puts sending in the answer. Joining
 * voice later only swaps tracks.
 */
function audioSlot(
  pc: RTCPeerConnection,
  initiator: boolean,
  negotiate: () => void,
): PeerAudio | null {
  if (typeof pc.addTransceiver !== 'function') return null
  let transceiver: RTCRtpTransceiver | null = null
  let wanted: MediaStreamTrack | null = null
  let resolveReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))
  const take = (slot: RTCRtpTransceiver) => {
    transceiver = slot
    // A track chosen before the slot existed (replaceTrack needs no negotiation).
    if (wanted) void slot.sender.replaceTrack(wanted).catch(() => {})
    resolveReady()
  }
  if (!initiator) {
    pc.addEventListener('track', (event) => {
      if (transceiver || event.track.kind !== 'audio') return
      event.transceiver.direction = 'sendrecv'
      take(event.transceiver)
    })
  }
  return {
    prepare() {
      if (!initiator || transceiver || pc.signalingState === 'closed') return
      take(pc.addTransceiver('audio', { direction: 'sendrecv' }))
      negotiate()
    },
    ready,
    async setTrack(track) {
      wanted = track
      if (!transceiver || pc.signalingState === 'closed') return
      await transceiver.sender.replaceTrack(track)
    },
    remoteTrack: () => transceiver?.receiver.track ?? null,
  }
}

function channelTransport(channel: RTCDataChannel): FrameTransport {
  // 'bufferedamountlow' fires when the queue falls to this. At 0 (the default) a large send
  // waits for the queue to run dry before refilling it: a stall in every megabyte.
  channel.bufferedAmountLowThreshold = HIGH_WATER_BYTES / 4
  return {
    send: (data) => channel.send(data as Uint8Array<ArrayBuffer>),
    get bufferedAmount() {
      return channel.bufferedAmount
    },
    onDrain(listener) {
      channel.addEventListener('bufferedamountlow', listener)
      return () => channel.removeEventListener('bufferedamountlow', listener)
    },
  }
}
