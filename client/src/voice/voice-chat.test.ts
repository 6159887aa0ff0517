import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PeerAudio } from '../net/peer-transport'
import { VoiceChat, type VoicePresence } from './voice-chat'

/** A microphone track as far as VoiceChat uses one. */
function fakeTrack(): MediaStreamTrack {
  return {
    kind: 'audio',
    enabled: true,
    readyState: 'live',
    stop() {},
    addEventListener() {},
    getSettings: () => ({ deviceId: 'mic' }),
  } as unknown as MediaStreamTrack
}

/** getUserMedia that answers when the test says so (the browser's prompt). */
function fakeMedia() {
  const track = fakeTrack()
  let grant: () => void = () => {}
  const media = {
    getUserMedia: () =>
      new Promise<MediaStream>((resolve) => {
        grant = () =>
          resolve({ getAudioTracks: () => [track], getTracks: () => [track] } as MediaStream)
      }),
    enumerateDevices: async () => [],
    addEventListener() {},
  } as unknown as MediaDevices
  return { media, track, grant: () => grant() }
}

/** One link's audio slot, recording what is sent on it. */
function fakeSlot() {
  const sent: (MediaStreamTrack | null)[] = []
  const slot: PeerAudio = {
    prepare() {},
    ready: Promise.resolve(),
    setTrack: async (track) => void sent.push(track),
    remoteTrack: () => null,
  }
  return { slot, sent }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A person in voice (microphone granted) with one peer, 'b', on `slot`. */
async function inVoice(slot: PeerAudio, remoteVoice: () => VoicePresence | null) {
  const { media, track, grant } = fakeMedia()
  const voice = new VoiceChat({
    peers: () => ['b'],
    audioTo: () => slot,
    remoteVoice,
    publish: () => {},
    media,
  })
  const joined = voice.join()
  grant()
  await joined
  await settle()
  return { voice, track }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('VoiceChat', () => {
  it('sends to a peer who pressed Join voice before its microphone is granted, and stops when it is refused', async () => {
    const { slot, sent } = fakeSlot()
    let theirs: VoicePresence | null = { on: false, muted: false, speaking: false }
    const { voice, track } = await inVoice(slot, () => theirs)
    // B is not in voice: nothing goes to it.
    expect(sent.filter((t) => t !== null)).toEqual([])

    theirs = { on: false, muted: false, speaking: false, joining: true }
    voice.refresh()
    expect(sent.at(-1)).toBe(track)

    // B's microphone was refused: it is not joining any more.
    theirs = { on: false, muted: false, speaking: false, joining: false }
    voice.refresh()
    expect(sent.at(-1)).toBeNull()
  })

  it('tries a track swap again after one failed', async () => {
    const attempts: (MediaStreamTrack | null)[] = []
    let fail = true
    const slot: PeerAudio = {
      prepare() {},
      ready: Promise.resolve(),
      setTrack: async (sent) => {
        attempts.push(sent)
        if (fail) throw new Error('InvalidStateError')
      },
      remoteTrack: () => null,
    }
    const { voice, track } = await inVoice(slot, () => ({
      on: true,
      muted: false,
      speaking: false,
    }))
    expect(attempts).toEqual([track])
    fail = false
    voice.refresh()
    expect(attempts).toEqual([track, track])
    voice.refresh()
    expect(attempts).toHaveLength(2)
  })

  it('hands our track to every peer before it starts any player', async () => {
    const order: string[] = []
    const peers = ['b', 'c', 'd']
    const slots = new Map(
      peers.map((id) => {
        const slot: PeerAudio = {
          prepare() {},
          ready: Promise.resolve(),
          setTrack: async (track) => void (track && order.push(`send ${id}`)),
          remoteTrack: () => fakeTrack(),
        }
        return [id, slot]
      }),
    )
    // Enough of a DOM for the hidden players: creating one is what takes main-thread time.
    vi.stubGlobal(
      'MediaStream',
      class {
        readonly #tracks: MediaStreamTrack[]
        constructor(tracks: MediaStreamTrack[]) {
          this.#tracks = tracks
        }
        getAudioTracks() {
          return this.#tracks
        }
      },
    )
    const document = {
      createElement: () => {
        order.push('player')
        return { dataset: {}, play: async () => {}, pause() {}, remove() {} }
      },
      body: { append() {} },
    } as unknown as Document
    const { media, grant } = fakeMedia()
    const voice = new VoiceChat({
      peers: () => peers,
      audioTo: (id) => slots.get(id) ?? null,
      remoteVoice: () => ({ on: true, muted: false, speaking: false }),
      publish: () => {},
      media,
      document,
    })
    const joined = voice.join()
    grant()
    await joined
    expect(order).toEqual(['send b', 'send c', 'send d', 'player', 'player', 'player'])
  })

  it('publishes joining while the browser asks, then on', async () => {
    const { media, grant } = fakeMedia()
    const published: VoicePresence[] = []
    const voice = new VoiceChat({
      peers: () => [],
      audioTo: () => null,
      remoteVoice: () => null,
      publish: (presence) => published.push(presence),
      media,
    })
    const joined = voice.join()
    expect(published.at(-1)).toEqual({ on: false, muted: false, speaking: false, joining: true })
    grant()
    await joined
    expect(published.at(-1)).toEqual({ on: true, muted: false, speaking: false, joining: false })
    voice.leave()
    expect(published.at(-1)).toEqual({ on: false, muted: false, speaking: false, joining: false })
  })
})
