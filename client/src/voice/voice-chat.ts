/**
 * Voice over the mesh: captures the microphone, puts its track into each link's pre-negotiated
 * audio slot (replaceTrack, no renegotiation) for peers who are in voice, plays theirs while we
 * are, and measures our own level for the speaking ring. The decisions live in voice-state.ts
 * and speaking.ts; this class performs them against the browser.
 */
import type { PeerAudio } from '../net/peer-transport'
import { rmsLevel, SpeakingDetector } from './speaking'
import {
  errorKindOf,
  INITIAL_VOICE,
  VOICE_ERROR_MESSAGES,
  voiceReducer,
  wantsMicrophone,
  type VoiceEvent,
  type VoiceMachine,
} from './voice-state'

/** What each person publishes in awareness (`voice` field). */
export interface VoicePresence {
  on: boolean
  muted: boolean
  speaking: boolean
  /**
   * Pressed Join voice, the microphone not yet granted. Those in voice start sending then, so
   * their audio is already arriving when ours starts: the joiner hears the room as soon as its
   * microphone opens, instead of one awareness round trip and a track swap later. Nothing is
   * played before the grant, and a refusal ends it (any peer could claim `on` anyway).
   */
  joining?: boolean
}

/** In voice or joining it: audio may flow to this person, so their links need audio slots. */
export function wantsAudio(presence: VoicePresence | null): boolean {
  return presence !== null && (presence.on || presence.joining === true)
}

export interface Microphone {
  id: string
  label: string
}

export interface PeerPlayback {
  /** 0 to 1. */
  volume: number
  /** Muted for us only. */
  muted: boolean
  /** Their audio is playing here (both of us are in voice). */
  playing: boolean
}

export interface VoiceSnapshot extends VoiceMachine {
  speaking: boolean
  /** The reason voice is unavailable, for the person; null when fine. */
  message: string | null
  microphones: Microphone[]
  microphoneId: string | null
  peers: Record<string, PeerPlayback>
}

export const VOICE_OFF: VoiceSnapshot = {
  ...INITIAL_VOICE,
  speaking: false,
  message: null,
  microphones: [],
  microphoneId: null,
  peers: {},
}

export interface VoiceDeps {
  /** Peers with a link (open or being set up). */
  peers(): string[]
  audioTo(peerId: string): PeerAudio | null
  /** Their published voice state (validated), or null when unknown. */
  remoteVoice(peerId: string): VoicePresence | null
  publish(presence: VoicePresence): void
  media?: MediaDevices | undefined
  /** Where the hidden <audio> elements live; none in tests without a DOM. */
  document?: Document | undefined
  log?(message: string): void
}

/** Level sampling: often enough for a responsive ring, cheap enough to run during a call. */
const METER_INTERVAL_MS = 50

export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  channelCount: 1,
}

export class VoiceChat {
  readonly #deps: VoiceDeps
  readonly #listeners = new Set<(snapshot: VoiceSnapshot) => void>()
  readonly #detector = new SpeakingDetector()
  readonly #players = new Map<string, HTMLAudioElement>()
  readonly #playback = new Map<string, { volume: number; muted: boolean }>()
  /** What each audio slot currently sends (slots are per link: a re-dial gets a fresh one). */
  readonly #sent = new WeakMap<PeerAudio, MediaStreamTrack | null>()
  /** Slots whose negotiation we wait for: their remote track appears when it is done. */
  readonly #awaited = new WeakSet<PeerAudio>()
  #machine: VoiceMachine = INITIAL_VOICE
  #stream: MediaStream | null = null
  #track: MediaStreamTrack | null = null
  #speaking = false
  #microphones: Microphone[] = []
  /** The person's choice (null: the system default). */
  #chosenMicrophone: string | null = null
  /** The device actually captured, shown in the picker. */
  #microphoneId: string | null = null
  #meter: { context: AudioContext; source: MediaStreamAudioSourceNode; timer: number } | null = null
  #published = ''
  #lastSnapshot = ''
  #attempt = 0

  constructor(deps: VoiceDeps) {
    this.#deps = deps
    deps.media?.addEventListener?.('devicechange', () => void this.#listMicrophones())
  }

  get snapshot(): VoiceSnapshot {
    const peers: Record<string, PeerPlayback> = {}
    for (const peerId of this.#deps.peers()) {
      const settings = this.#playback.get(peerId) ?? { volume: 1, muted: false }
      peers[peerId] = { ...settings, playing: this.#players.get(peerId)?.srcObject != null }
    }
    return {
      ...this.#machine,
      speaking: this.#speaking,
      message: this.#machine.error ? VOICE_ERROR_MESSAGES[this.#machine.error] : null,
      microphones: this.#microphones,
      microphoneId: this.#microphoneId,
      peers,
    }
  }

  onChange(listener: (snapshot: VoiceSnapshot) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async join(): Promise<void> {
    if (wantsMicrophone(this.#machine)) return
    performance.mark('peerboard:voice-join')
    this.#dispatch({ type: 'join' })
    const attempt = ++this.#attempt
    const media = this.#deps.media
    if (!media?.getUserMedia) return this.#dispatch({ type: 'failed', error: 'unsupported' })
    let stream: MediaStream
    try {
      stream = await this.#capture(media)
    } catch (error) {
      if (attempt !== this.#attempt) return
      this.#deps.log?.(`microphone: ${String(error)}`)
      return this.#dispatch({ type: 'failed', error: errorKindOf(error) })
    }
    // Left (or re-joined) while the browser was asking: this stream is nobody's.
    if (attempt !== this.#attempt || this.#machine.status !== 'requesting') {
      stream.getTracks().forEach((track) => track.stop())
      return
    }
    this.#useStream(stream)
    this.#dispatch({ type: 'granted' })
    performance.mark('peerboard:voice-on')
    // After the tracks are on their way: creating an AudioContext can take tens of ms.
    this.#startMeter(stream)
    void this.#listMicrophones()
  }

  leave(): void {
    this.#attempt++
    this.#release()
    this.#dispatch({ type: 'leave' })
  }

  setMuted(muted: boolean): void {
    this.#dispatch({ type: muted ? 'mute' : 'unmute' })
  }

  toggleMute(): void {
    this.#dispatch({ type: 'toggle-mute' })
  }

  setPushToTalk(enabled: boolean): void {
    this.#dispatch({ type: 'push-to-talk', enabled })
  }

  /** The push-to-talk key went down (true) or up (false). */
  talk(held: boolean): void {
    this.#dispatch({ type: 'talk', held })
  }

  dismissError(): void {
    this.#dispatch({ type: 'dismiss' })
  }

  /** Switches microphones; in a call the new track replaces the old one on every link. */
  async selectMicrophone(id: string): Promise<void> {
    this.#chosenMicrophone = id
    this.#microphoneId = id
    const media = this.#deps.media
    if (this.#machine.status !== 'on' || !media) return this.#emit()
    const attempt = this.#attempt
    try {
      const stream = await this.#capture(media)
      if (attempt !== this.#attempt || this.#machine.status !== 'on') {
        stream.getTracks().forEach((track) => track.stop())
        return
      }
      const old = this.#stream
      this.#useStream(stream)
      old?.getTracks().forEach((track) => track.stop())
      this.#reconcile()
      this.#startMeter(stream)
    } catch (error) {
      this.#deps.log?.(`microphone switch: ${String(error)}`)
      this.#release()
      this.#dispatch({ type: 'failed', error: errorKindOf(error) })
    }
  }

  setPeerVolume(peerId: string, volume: number): void {
    const clamped = Math.min(1, Math.max(0, Number.isFinite(volume) ? volume : 1))
    this.#playback.set(peerId, { ...this.#settings(peerId), volume: clamped })
    this.#reconcile()
  }

  setPeerMuted(peerId: string, muted: boolean): void {
    this.#playback.set(peerId, { ...this.#settings(peerId), muted })
    this.#reconcile()
  }

  /** Links or remote voice states changed: send and play to match. */
  refresh(): void {
    this.#reconcile()
  }

  dispose(): void {
    this.leave()
    for (const peerId of [...this.#players.keys()]) this.#removePlayer(peerId)
  }

  #settings(peerId: string) {
    return this.#playback.get(peerId) ?? { volume: 1, muted: false }
  }

  async #capture(media: MediaDevices): Promise<MediaStream> {
    const id = this.#chosenMicrophone
    const audio = id ? { ...AUDIO_CONSTRAINTS, deviceId: { exact: id } } : AUDIO_CONSTRAINTS
    try {
      return await media.getUserMedia({ audio, video: false })
    } catch (error) {
      // The chosen microphone is gone: fall back to the system default once.
      if (!id || errorKindOf(error) !== 'no-device') throw error
      this.#chosenMicrophone = null
      return media.getUserMedia({ audio: AUDIO_CONSTRAINTS, video: false })
    }
  }

  #useStream(stream: MediaStream): void {
    const track = stream.getAudioTracks()[0] ?? null
    this.#stream = stream
    this.#track = track
    if (track) {
      track.enabled = !this.#machine.muted
      track.addEventListener('ended', () => {
        // Only the current track: a replaced one is stopped by us, which fires no 'ended'.
        if (track !== this.#track) return
        this.#deps.log?.('microphone track ended')
        this.#release()
        this.#dispatch({ type: 'ended' })
      })
      this.#microphoneId = track.getSettings().deviceId ?? this.#chosenMicrophone
    }
  }

  #release(): void {
    this.#stopMeter()
    // Stopping every track is what turns the browser's microphone indicator off.
    this.#stream?.getTracks().forEach((track) => track.stop())
    this.#stream = null
    this.#track = null
    this.#speaking = false
    this.#detector.reset()
  }

  #startMeter(stream: MediaStream): void {
    this.#stopMeter()
    if (typeof AudioContext === 'undefined') return
    const context = new AudioContext()
    // Created after an await (getUserMedia): a browser may start it suspended, measuring nothing.
    if (context.state === 'suspended') void context.resume().catch(() => {})
    const source = context.createMediaStreamSource(stream)
    const analyser = context.createAnalyser()
    analyser.fftSize = 1024
    source.connect(analyser)
    const samples = new Float32Array(analyser.fftSize)
    // A timer, not requestAnimationFrame: the ring must keep working in a background tab.
    const timer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(samples)
      const level = this.#machine.muted ? 0 : rmsLevel(samples)
      const speaking = this.#detector.update(level, performance.now())
      if (speaking !== this.#speaking) {
        this.#speaking = speaking
        this.#emit()
      }
    }, METER_INTERVAL_MS)
    this.#meter = { context, source, timer }
  }

  #stopMeter(): void {
    const meter = this.#meter
    if (!meter) return
    this.#meter = null
    window.clearInterval(meter.timer)
    meter.source.disconnect()
    void meter.context.close()
  }

  async #listMicrophones(): Promise<void> {
    const media = this.#deps.media
    if (!media?.enumerateDevices) return
    try {
      const devices = await media.enumerateDevices()
      this.#microphones = devices
        .filter((device) => device.kind === 'audioinput' && device.deviceId)
        .map((device, i) => ({ id: device.deviceId, label: device.label || `Microphone ${i + 1}` }))
      this.#emit()
    } catch (error) {
      this.#deps.log?.(`enumerateDevices: ${String(error)}`)
    }
  }

  #dispatch(event: VoiceEvent): void {
    const next = voiceReducer(this.#machine, event)
    if (next === this.#machine) return
    this.#machine = next
    if (this.#track) this.#track.enabled = !next.muted
    if (next.muted) {
      this.#speaking = false
      this.#detector.reset()
    }
    this.#reconcile()
  }

  #reconcile(): void {
    const live = this.#machine.status === 'on' ? this.#track : null
    const peers = new Set(this.#deps.peers())
    const toPlay: [string, MediaStreamTrack | null][] = []
    for (const peerId of peers) {
      const audio = this.#deps.audioTo(peerId)
      if (audio && !this.#awaited.has(audio)) {
        this.#awaited.add(audio)
        void audio.ready.then(() => this.#reconcile())
      }
      const remote = this.#deps.remoteVoice(peerId)
      // Only people in voice hear each other: nothing is played from the others, and nothing
      // is sent to them unless they are joining (VoicePresence.joining).
      const send = live && wantsAudio(remote) ? live : null
      if (audio && (this.#sent.get(audio) ?? null) !== send) {
        this.#sent.set(audio, send)
        audio.setTrack(send).catch((error: unknown) => {
          this.#deps.log?.(`voice to ${peerId.slice(0, 6)}: ${String(error)}`)
          // Not sent after all: the next reconcile tries again.
          if (this.#sent.get(audio) === send) this.#sent.delete(audio)
        })
      }
      toPlay.push([peerId, live && remote?.on ? (audio?.remoteTrack() ?? null) : null])
    }
    // Every swap is on its way before any player starts (an <audio> element and its renderer):
    // with each swap behind the previous peer's player, five swaps went out over up to 40 ms
    // (six pages on two cores); swaps first, they go out within 1 ms.
    for (const [peerId, track] of toPlay) this.#play(peerId, track)
    for (const peerId of [...this.#players.keys()]) {
      if (!peers.has(peerId)) this.#removePlayer(peerId)
    }
    for (const peerId of [...this.#playback.keys()]) {
      if (!peers.has(peerId)) this.#playback.delete(peerId)
    }
    this.#emit()
  }

  #play(peerId: string, track: MediaStreamTrack | null): void {
    const document = this.#deps.document
    if (!document) return
    let player = this.#players.get(peerId)
    if (!track) {
      if (player?.srcObject) {
        player.pause()
        player.srcObject = null
      }
      return
    }
    if (!player) {
      player = document.createElement('audio')
      player.autoplay = true
      player.dataset.voicePeer = peerId
      player.hidden = true
      document.body.append(player)
      this.#players.set(peerId, player)
    }
    const current = player.srcObject instanceof MediaStream ? player.srcObject : null
    if (current?.getAudioTracks()[0] !== track) {
      player.srcObject = new MediaStream([track])
      player.play().catch((error: unknown) => this.#deps.log?.(`playback: ${String(error)}`))
    }
    const { volume, muted } = this.#settings(peerId)
    player.volume = volume
    player.muted = muted
  }

  #removePlayer(peerId: string): void {
    const player = this.#players.get(peerId)
    if (!player) return
    player.pause()
    player.srcObject = null
    player.remove()
    this.#players.delete(peerId)
  }

  #emit(): void {
    const presence: VoicePresence = {
      on: this.#machine.status === 'on',
      muted: this.#machine.muted,
      speaking: this.#machine.status === 'on' && !this.#machine.muted && this.#speaking,
      joining: this.#machine.status === 'requesting',
    }
    const key = `${presence.on}${presence.muted}${presence.speaking}${presence.joining}`
    if (key !== this.#published) {
      this.#published = key
      this.#deps.publish(presence)
    }
    const snapshot = this.snapshot
    // Called on every awareness change (cursors move constantly): notify on real changes only.
    const serialized = JSON.stringify(snapshot)
    if (serialized === this.#lastSnapshot) return
    this.#lastSnapshot = serialized
    for (const listener of this.#listeners) listener(snapshot)
  }
}
