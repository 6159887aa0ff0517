import { afterEach, describe, expect, it, vi } from 'vitest'
import type { JoinOk } from '../../../shared/signaling'
import type { FrameTransport } from './frame-sender'
import { CHUNK_THRESHOLD, FRAME_AWARENESS, FRAME_SYNC, encodeFrame, splitFrame } from './frames'
import {
  CANDIDATE_BATCH_MS,
  PeerMesh,
  type MeshEvents,
  type MeshLink,
  type PeerInfo,
  type Timers,
} from './mesh'
import type { PeerFactory, PeerTransportOptions, SignalData } from './peer-transport'
import { createSignalSealer, type SignalSealer } from './signal-crypto'
import type { Signaling, SignalingEvents } from './signaling-client'

// Ids compare as strings: LOW < SELF < HIGH decides who redials first and whose offer wins.
const LOW = 'aaaaaaaaaaaaaaaaaaaaaa'
const SELF = 'mmmmmmmmmmmmmmmmmmmmmm'
const HIGH = 'zzzzzzzzzzzzzzzzzzzzzz'
const OTHER = 'qqqqqqqqqqqqqqqqqqqqqq'

interface Envelope {
  c: string
  n: number
  s: SignalData | SignalData[]
}

class FakeSignaling implements Signaling {
  events: SignalingEvents | null = null
  readonly sent: { to: string; data: string }[] = []
  stopped = false
  /** Where signal() relays to (another mesh's signaling), if anywhere. */
  relay: ((to: string, data: string) => void) | null = null

  constructor(readonly self: string) {}

  start(events: SignalingEvents): void {
    this.events = events
  }

  signal(to: string, data: string): void {
    this.sent.push({ to, data })
    this.relay?.(to, data)
  }

  stop(): void {
    this.stopped = true
  }

  join(peers: string[]): void {
    const ack: JoinOk = {
      ok: true,
      self: this.self,
      peers,
      iceServers: [{ urls: 'stun:stun.example:3478' }],
      maxPeers: 8,
    }
    this.events!.status('joined')
    this.events!.joined(ack)
  }
}

class FakeChannel implements FrameTransport {
  readonly sent: Uint8Array[] = []
  bufferedAmount = 0
  send(data: Uint8Array): void {
    this.sent.push(data)
  }
  onDrain(): () => void {
    return () => undefined
  }
}

class FakePeer {
  readonly signals: SignalData[] = []
  readonly channel = new FakeChannel()
  destroyed = false
  restarts = 0

  constructor(readonly options: PeerTransportOptions) {}

  get initiator(): boolean {
    return this.options.initiator
  }

  connect(): void {
    this.options.events.onConnect(this.channel)
  }
}

class FakeFactory {
  readonly peers: FakePeer[] = []
  readonly create: PeerFactory = (options) => {
    const peer = new FakePeer(options)
    this.peers.push(peer)
    return {
      signal: (data) => peer.signals.push(data),
      destroy: () => {
        peer.destroyed = true
      },
      connection: null,
      restartIce: () => {
        peer.restarts++
      },
    }
  }

  get live(): FakePeer[] {
    return this.peers.filter((peer) => !peer.destroyed)
  }

  last(): FakePeer {
    return this.peers[this.peers.length - 1]!
  }
}

class FakeTimers implements Timers {
  now = 0
  #nextId = 1
  readonly pending = new Map<number, { at: number; fn: () => void }>()

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++
    this.pending.set(id, { at: this.now + ms, fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number)
  }

  advance(ms: number): void {
    const end = this.now + ms
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | null = null
      for (const entry of this.pending)
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
      if (!due) break
      this.pending.delete(due[0])
      this.now = due[1].at
      due[1].fn()
    }
    this.now = end
  }
}

/** Seals as readable JSON; open() refuses a payload made for another sender or receiver. */
const identitySealer: SignalSealer = {
  seal: async (from, to, plaintext) => JSON.stringify({ from, to, plaintext }),
  open: async (from, to, sealed) => {
    const value = JSON.parse(sealed) as { from?: unknown; to?: unknown; plaintext?: unknown }
    if (value.from !== from || value.to !== to || typeof value.plaintext !== 'string') {
      throw new Error('does not open')
    }
    return value.plaintext
  },
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0))
}

function recorder() {
  const calls: string[] = []
  const links: MeshLink[] = []
  const frames: { peerId: string; type: number; payload: number[] }[] = []
  const badFrames: string[] = []
  const closed: string[] = []
  const states: string[] = []
  let peers: PeerInfo[] = []
  const events: MeshEvents = {
    linkOpened: (link) => {
      calls.push(`open ${link.peerId}`)
      links.push(link)
    },
    linkFrame: (peerId, frame) => {
      calls.push(`frame ${peerId}`)
      frames.push({ peerId, type: frame.type, payload: [...frame.payload] })
    },
    linkBadFrame: (peerId, reason) => badFrames.push(`${peerId}: ${reason}`),
    linkClosed: (peerId) => {
      calls.push(`closed ${peerId}`)
      closed.push(peerId)
    },
    linkState: (peerId, state) => states.push(`${peerId} ${state}`),
    peersChanged: (list) => {
      peers = list
    },
    signalingStatus: () => undefined,
  }
  return {
    events,
    calls,
    links,
    frames,
    badFrames,
    closed,
    states,
    get lastPeers() {
      return peers
    },
  }
}

const meshes: PeerMesh[] = []

afterEach(() => {
  for (const mesh of meshes.splice(0)) mesh.stop()
})

function setup(self = SELF, sealer: SignalSealer = identitySealer, candidateBatchMs?: number) {
  const signaling = new FakeSignaling(self)
  const factory = new FakeFactory()
  const timers = new FakeTimers()
  const record = recorder()
  const mesh = new PeerMesh({
    signaling,
    sealer,
    createPeer: factory.create,
    events: record.events,
    timers,
    connectTimeoutMs: 5000,
    backoffMs: (attempt) => 1000 * 2 ** attempt,
    candidateBatchMs,
  })
  meshes.push(mesh)
  mesh.start()

  /** Delivers a payload sealed by `from` for us, as the signaling server would relay it. */
  async function receive(from: string, envelope: Envelope, sealAs = from): Promise<void> {
    const data = await sealer.seal(sealAs, self, JSON.stringify(envelope))
    signaling.events!.signal(from, data)
    await settle()
  }

  /** What we sent to `to`, opened. */
  async function sentTo(to: string): Promise<Envelope[]> {
    const sent = signaling.sent.filter((entry) => entry.to === to)
    return Promise.all(
      sent.map(async ({ data }) => JSON.parse(await sealer.open(self, to, data)) as Envelope),
    )
  }

  const state = (id: string) => mesh.peers().find((peer) => peer.id === id)
  return { mesh, signaling, factory, timers, record, receive, sentTo, state }
}

const offer = (sdp = 'offer-sdp'): SignalData => ({ type: 'offer', sdp })
const answer = (sdp = 'answer-sdp'): SignalData => ({ type: 'answer', sdp })
const candidate = (n = 1): SignalData => ({ candidate: { candidate: `candidate:${n}` } })

describe('PeerMesh dialling', () => {
  it('dials every peer listed on join as initiator, and nobody else', () => {
    const { signaling, factory, mesh } = setup()
    signaling.join([LOW, HIGH])
    expect(factory.peers).toHaveLength(2)
    expect(factory.peers.every((peer) => peer.initiator)).toBe(true)
    expect(factory.peers[0]!.options.iceServers).toEqual([{ urls: 'stun:stun.example:3478' }])
    expect(mesh.peers()).toEqual([
      { id: LOW, inRoom: true, state: 'connecting' },
      { id: HIGH, inRoom: true, state: 'connecting' },
    ])
  })

  it('sends each link\u2019s signals sealed for that peer, with its connection id and rising sequence', async () => {
    const { signaling, factory, timers, sentTo } = setup()
    signaling.join([LOW, HIGH])
    const [toLow, toHigh] = factory.peers as [FakePeer, FakePeer]
    toLow.options.events.onSignal(offer('low'))
    toHigh.options.events.onSignal(offer('high'))
    toLow.options.events.onSignal(candidate())
    await settle()
    // Signals given in one go share an envelope, in order.
    const low = await sentTo(LOW)
    const high = await sentTo(HIGH)
    expect(low.map((envelope) => envelope.s)).toEqual([[offer('low'), candidate()]])
    expect(high.map((envelope) => envelope.s)).toEqual([offer('high')])
    expect(low[0]!.c).not.toBe(high[0]!.c)
    expect(low[0]!.c.length).toBeGreaterThanOrEqual(12)
    expect([low[0]!.n, high[0]!.n]).toEqual([1, 2])
    // A later signal of the same link: its own envelope, same connection, next sequence.
    toLow.options.events.onSignal(candidate(2))
    timers.advance(CANDIDATE_BATCH_MS)
    await settle()
    const later = await sentTo(LOW)
    expect(later).toHaveLength(2)
    expect(later[1]).toMatchObject({ c: low[0]!.c, n: 3, s: candidate(2) })
  })

  it('keeps a peer\u2019s signals in order even when sealing finishes out of order', async () => {
    let calls = 0
    const slowFirst: SignalSealer = {
      seal: async (from, to, text) => {
        const delay = calls++ === 0 ? 20 : 0
        await new Promise((resolve) => setTimeout(resolve, delay))
        return identitySealer.seal(from, to, text)
      },
      open: identitySealer.open,
    }
    const { signaling, factory, sentTo } = setup(SELF, slowFirst, 0)
    signaling.join([HIGH])
    factory.last().options.events.onSignal(offer())
    // The offer's (slow) seal is under way when the candidate comes: two envelopes.
    await new Promise((resolve) => setTimeout(resolve, 0))
    factory.last().options.events.onSignal(candidate(1))
    // Both arrive eventually (a loaded machine may take longer than the 20 ms delay); the order
    // is what matters.
    await vi.waitFor(async () => expect(await sentTo(HIGH)).toHaveLength(2), { timeout: 5000 })
    expect((await sentTo(HIGH)).map((envelope) => envelope.s)).toEqual([offer(), candidate(1)])
  })

  it('holds a burst of candidates briefly so that it travels in one envelope', async () => {
    const { signaling, factory, timers, sentTo } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    peer.options.events.onSignal(offer())
    await settle()
    // The offer does not wait for anything.
    expect((await sentTo(HIGH)).map((envelope) => envelope.s)).toEqual([offer()])
    // Candidates come one event at a time, a few ms apart.
    peer.options.events.onSignal(candidate(1))
    timers.advance(4)
    await settle()
    peer.options.events.onSignal(candidate(2))
    timers.advance(CANDIDATE_BATCH_MS - 5)
    await settle()
    expect(await sentTo(HIGH)).toHaveLength(1)
    timers.advance(1)
    await settle()
    expect((await sentTo(HIGH)).map((envelope) => envelope.s)).toEqual([
      offer(),
      [candidate(1), candidate(2)],
    ])
    // One that comes after the burst left starts a new one, and waits no longer than the first.
    peer.options.events.onSignal(candidate(3))
    timers.advance(CANDIDATE_BATCH_MS)
    await settle()
    expect((await sentTo(HIGH)).map((envelope) => envelope.s)).toEqual([
      offer(),
      [candidate(1), candidate(2)],
      candidate(3),
    ])
  })

  it('never puts more signals in one envelope than a receiver accepts', async () => {
    const { signaling, factory, timers, sentTo } = setup()
    signaling.join([HIGH])
    for (let i = 0; i < 70; i++) factory.last().options.events.onSignal(candidate(i))
    timers.advance(CANDIDATE_BATCH_MS)
    await settle()
    const sizes = (await sentTo(HIGH)).map((envelope) => [envelope.s].flat().length)
    expect(sizes).toEqual([64, 6])
  })

  it('applies an envelope of several signals in order, and refuses an oversized one', async () => {
    const { signaling, factory, receive } = setup()
    signaling.join([])
    signaling.events!.peerJoined(HIGH)
    await receive(HIGH, { c: 'conn-2', n: 1, s: [candidate(1), candidate(2)] })
    expect(factory.peers).toHaveLength(0)
    await receive(HIGH, { c: 'conn-1', n: 2, s: [offer(), candidate(1), candidate(2)] })
    expect(factory.peers).toHaveLength(1)
    expect(factory.last().signals).toEqual([offer(), candidate(1), candidate(2)])
    await receive(HIGH, { c: 'conn-1', n: 3, s: Array.from({ length: 65 }, () => candidate(3)) })
    expect(factory.last().signals).toHaveLength(3)
  })

  it('does not dial a peer that joins after us (the newcomer dials)', () => {
    const { signaling, factory, mesh } = setup()
    signaling.join([])
    signaling.events!.peerJoined(HIGH)
    signaling.events!.peerJoined(SELF)
    expect(factory.peers).toHaveLength(0)
    expect(mesh.peers()).toEqual([{ id: HIGH, inRoom: true, state: 'connecting' }])
  })

  it('answers an incoming offer with a non-initiator link on the offer\u2019s connection id', async () => {
    const { signaling, factory, receive, sentTo, state } = setup()
    signaling.join([])
    signaling.events!.peerJoined(HIGH)
    await receive(HIGH, { c: 'conn-1', n: 1, s: offer() })
    expect(factory.peers).toHaveLength(1)
    const peer = factory.last()
    expect(peer.initiator).toBe(false)
    expect(peer.signals).toEqual([offer()])

    await receive(HIGH, { c: 'conn-1', n: 2, s: candidate() })
    expect(peer.signals).toEqual([offer(), candidate()])

    peer.options.events.onSignal(answer())
    await settle()
    expect(await sentTo(HIGH)).toEqual([{ c: 'conn-1', n: 1, s: answer() }])
    expect(state(HIGH)?.state).toBe('connecting')
  })

  it('ignores signals from ourselves', async () => {
    const { signaling, factory, receive } = setup()
    signaling.join([])
    await receive(SELF, { c: 'x', n: 1, s: offer() })
    expect(factory.peers).toHaveLength(0)
  })
})

describe('PeerMesh signal hygiene', () => {
  it('ignores non-offer signals for another connection id', async () => {
    const { signaling, factory, receive } = setup()
    signaling.join([HIGH])
    const dialled = factory.last()
    await receive(HIGH, { c: 'stale', n: 1, s: answer() })
    await receive(HIGH, { c: 'stale', n: 2, s: candidate() })
    expect(dialled.signals).toEqual([])
    expect(factory.peers).toHaveLength(1)

    // Without any link, a stray candidate creates nothing either.
    await receive(LOW, { c: 'other', n: 1, s: candidate() })
    expect(factory.peers).toHaveLength(1)
  })

  it('drops replayed and reordered envelopes', async () => {
    const { signaling, factory, receive } = setup()
    signaling.join([])
    const first = await identitySealer.seal(
      HIGH,
      SELF,
      JSON.stringify({ c: 'c1', n: 5, s: offer() }),
    )
    signaling.events!.signal(HIGH, first)
    await settle()
    const peer = factory.last()
    expect(peer.signals).toEqual([offer()])

    signaling.events!.signal(HIGH, first)
    await settle()
    await receive(HIGH, { c: 'c1', n: 4, s: candidate(4) })
    await receive(HIGH, { c: 'c1', n: 5, s: candidate(5) })
    expect(factory.peers).toHaveLength(1)
    expect(peer.signals).toEqual([offer()])

    await receive(HIGH, { c: 'c1', n: 6, s: candidate(6) })
    expect(peer.signals).toEqual([offer(), candidate(6)])
  })

  it('marks a peer whose payload does not open as unverified, until a good one arrives', async () => {
    const { signaling, factory, receive, mesh, record, state } = setup()
    signaling.join([])
    signaling.events!.peerJoined(HIGH)
    signaling.events!.signal(HIGH, 'not even json')
    await settle()
    expect(state(HIGH)).toEqual({ id: HIGH, inRoom: true, state: 'unverified' })
    expect(record.lastPeers.find((peer) => peer.id === HIGH)?.state).toBe('unverified')

    // Sealed for another pair (moved by the server): also refused.
    await receive(LOW, { c: 'c', n: 1, s: offer() }, OTHER)
    expect(state(LOW)).toEqual({ id: LOW, inRoom: false, state: 'unverified' })
    expect(factory.peers).toHaveLength(0)

    await receive(HIGH, { c: 'c', n: 1, s: offer() })
    expect(state(HIGH)?.state).toBe('connecting')
    expect(factory.peers).toHaveLength(1)
    expect(mesh.peers().map((peer) => peer.id)).toEqual([LOW, HIGH])
  })

  it('refuses malformed envelopes', async () => {
    const { signaling, factory, state } = setup()
    signaling.join([])
    const bad = [
      { c: 1, n: 1, s: offer() },
      { c: 'c', n: 0, s: offer() },
      { c: 'c', n: 1, s: [] },
    ]
    for (const envelope of bad) {
      signaling.events!.signal(
        HIGH,
        await identitySealer.seal(HIGH, SELF, JSON.stringify(envelope)),
      )
    }
    await settle()
    expect(factory.peers).toHaveLength(0)
    expect(state(HIGH)?.state).toBe('unverified')
  })
})

describe('PeerMesh glare', () => {
  it('keeps our own dial when our id is lower', async () => {
    const { signaling, factory, receive } = setup(SELF)
    signaling.join([HIGH])
    const ours = factory.last()
    await receive(HIGH, { c: 'theirs', n: 1, s: offer() })
    expect(factory.peers).toHaveLength(1)
    expect(ours.destroyed).toBe(false)
    expect(ours.signals).toEqual([])
  })

  it('yields to the other offer when our id is higher', async () => {
    const { signaling, factory, receive, sentTo } = setup(SELF)
    signaling.join([LOW])
    const ours = factory.last()
    await receive(LOW, { c: 'theirs', n: 1, s: offer() })
    expect(ours.destroyed).toBe(true)
    const answerer = factory.last()
    expect(answerer).not.toBe(ours)
    expect(answerer.initiator).toBe(false)
    expect(answerer.signals).toEqual([offer()])

    // The replaced transport's late events change nothing.
    ours.options.events.onSignal(offer('late'))
    ours.options.events.onClose()
    answerer.options.events.onSignal(answer())
    await settle()
    expect((await sentTo(LOW)).map((envelope) => [envelope.c, envelope.s])).toEqual([
      ['theirs', answer()],
    ])
    expect(factory.live).toEqual([answerer])
  })

  it('two meshes dialling each other at once end with one connection', async () => {
    const a = setup(LOW)
    const b = setup(HIGH)
    const wire = (from: ReturnType<typeof setup>, to: ReturnType<typeof setup>) => {
      from.signaling.relay = (target, data) => {
        if (target === to.signaling.self) to.signaling.events!.signal(from.signaling.self, data)
      }
    }
    wire(a, b)
    wire(b, a)
    a.signaling.join([HIGH])
    b.signaling.join([LOW])
    const aDial = a.factory.last()
    const bDial = b.factory.last()
    aDial.options.events.onSignal(offer('from-a'))
    bDial.options.events.onSignal(offer('from-b'))
    await settle()

    expect(a.factory.live).toEqual([aDial])
    expect(aDial.signals).toEqual([])
    expect(bDial.destroyed).toBe(true)
    const bAnswerer = b.factory.live[0]!
    expect(b.factory.live).toHaveLength(1)
    expect(bAnswerer.initiator).toBe(false)
    expect(bAnswerer.signals).toEqual([offer('from-a')])

    bAnswerer.options.events.onSignal(answer('from-b'))
    await settle()
    expect(aDial.signals).toEqual([answer('from-b')])
  })
})

describe('PeerMesh redial', () => {
  it('redials after a failure, the lower id first', () => {
    const { signaling, factory, timers, record, state } = setup(SELF)
    signaling.join([HIGH])
    factory.last().connect()
    expect(record.calls).toEqual([`open ${HIGH}`])
    factory.last().options.events.onClose()
    expect(record.closed).toEqual([HIGH])
    expect(state(HIGH)?.state).toBe('failed')
    timers.advance(999)
    expect(factory.peers).toHaveLength(1)
    timers.advance(1)
    expect(factory.peers).toHaveLength(2)
    expect(factory.last().initiator).toBe(true)
    expect(state(HIGH)?.state).toBe('connecting')
  })

  it('redials only as a late fallback when the other id is lower', () => {
    const { signaling, factory, timers } = setup(SELF)
    signaling.join([LOW])
    factory.last().connect()
    factory.last().options.events.onError(new Error('ice failed'))
    timers.advance(1000)
    expect(factory.peers).toHaveLength(1)
    timers.advance(3 * 1000 + 5000 - 1000)
    expect(factory.peers).toHaveLength(2)
  })

  it('backs off after repeated connect timeouts, and resets after a success', () => {
    const { signaling, factory, timers } = setup(SELF)
    signaling.join([HIGH])
    timers.advance(5000) // connect timeout
    expect(factory.peers).toHaveLength(1)
    timers.advance(1000) // attempt 0: 1 s
    expect(factory.peers).toHaveLength(2)
    timers.advance(5000) // timeout again
    timers.advance(1999)
    expect(factory.peers).toHaveLength(2)
    timers.advance(1) // attempt 1: 2 s
    expect(factory.peers).toHaveLength(3)
    factory.last().connect()
    factory.last().options.events.onClose()
    timers.advance(1000) // back to attempt 0
    expect(factory.peers).toHaveLength(4)
  })

  it('does not redial a peer that left the room', () => {
    const { signaling, factory, timers } = setup(SELF)
    signaling.join([HIGH])
    factory.last().connect()
    signaling.events!.peerLeft(HIGH)
    factory.last().options.events.onClose()
    timers.advance(120_000)
    expect(factory.peers).toHaveLength(1)
  })

  it('cancels its redial when the peer re-joins (the newcomer dials)', () => {
    const { signaling, factory, timers } = setup(SELF)
    signaling.join([HIGH])
    factory.last().connect()
    factory.last().options.events.onClose()
    signaling.events!.peerJoined(HIGH)
    timers.advance(120_000)
    expect(factory.peers).toHaveLength(1)
  })
})

describe('PeerMesh roster changes', () => {
  it('peer-left drops a connecting link but keeps a connected one', () => {
    const { signaling, factory, mesh, record } = setup()
    signaling.join([LOW, HIGH])
    const [toLow, toHigh] = factory.peers as [FakePeer, FakePeer]
    toLow.connect()
    signaling.events!.peerLeft(HIGH)
    expect(toHigh.destroyed).toBe(true)
    signaling.events!.peerLeft(LOW)
    expect(toLow.destroyed).toBe(false)
    expect(mesh.peers()).toEqual([{ id: LOW, inRoom: false, state: 'connected' }])
    expect(record.closed).toEqual([])
  })

  it('a signaling re-join keeps connected links and dials only the others', () => {
    const { signaling, factory, record } = setup()
    signaling.join([LOW, HIGH])
    const [toLow, toHigh] = factory.peers as [FakePeer, FakePeer]
    toLow.connect()
    signaling.events!.status('offline')
    signaling.join([LOW, HIGH])
    expect(toLow.destroyed).toBe(false)
    expect(toHigh.destroyed).toBe(true)
    expect(factory.peers).toHaveLength(3)
    expect(factory.live.map((peer) => peer.initiator)).toEqual([true, true])
    expect(factory.live[0]).toBe(toLow)
    expect(record.closed).toEqual([])

    // And once more: still one connection to LOW.
    signaling.join([LOW, HIGH])
    expect(factory.live.filter((peer) => peer === toLow)).toHaveLength(1)
    expect(factory.peers).toHaveLength(4)
  })

  it('a re-join without a peer drops it unless connected', () => {
    const { signaling, factory, mesh } = setup()
    signaling.join([LOW, HIGH])
    const [toLow, toHigh] = factory.peers as [FakePeer, FakePeer]
    toLow.connect()
    signaling.join([])
    expect(toLow.destroyed).toBe(false)
    expect(toHigh.destroyed).toBe(true)
    expect(mesh.peers()).toEqual([{ id: LOW, inRoom: false, state: 'connected' }])
  })

  it('does not dial while signaling is offline', () => {
    const { signaling, factory, timers } = setup()
    signaling.join([HIGH])
    factory.last().connect()
    signaling.events!.status('offline')
    factory.last().options.events.onClose()
    timers.advance(60_000)
    expect(factory.peers).toHaveLength(1)
    signaling.join([HIGH])
    expect(factory.peers).toHaveLength(2)
  })
})

describe('PeerMesh links', () => {
  it('carries frames both ways through the frame sender and reassembler', () => {
    const { signaling, factory, record } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    peer.connect()
    const link = record.links[0]!
    expect(link.peerId).toBe(HIGH)

    const small = encodeFrame(FRAME_SYNC, new Uint8Array([1, 2, 3]))
    link.send(small)
    expect(peer.channel.sent).toEqual([small])
    link.send(encodeFrame(FRAME_SYNC, new Uint8Array(3 * CHUNK_THRESHOLD)))
    expect(peer.channel.sent).toHaveLength(5)

    peer.options.events.onData(encodeFrame(FRAME_AWARENESS, new Uint8Array([9])))
    const big = encodeFrame(FRAME_SYNC, new Uint8Array(2 * CHUNK_THRESHOLD).fill(4))
    for (const chunk of splitFrame(big, 0)) peer.options.events.onData(chunk)
    peer.options.events.onData(new Uint8Array([77]))
    expect(
      record.frames.map(({ peerId, type, payload }) => [peerId, type, payload.length]),
    ).toEqual([
      [HIGH, FRAME_AWARENESS, 1],
      [HIGH, FRAME_SYNC, 2 * CHUNK_THRESHOLD],
    ])
    expect(record.badFrames).toHaveLength(1)
    expect(record.badFrames[0]).toMatch(/unknown frame type/)
  })

  it('delivers frames that arrive before the connect event after linkOpened', () => {
    const { signaling, factory, record } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    // The remote side's channel opened first and sent its sync step 1 right away.
    peer.options.events.onData(encodeFrame(FRAME_SYNC, new Uint8Array([0, 0])))
    peer.options.events.onData(new Uint8Array([99]))
    expect(record.frames).toHaveLength(0)
    peer.connect()
    expect(record.calls).toEqual([`open ${HIGH}`, `frame ${HIGH}`])
    expect(record.frames[0]).toEqual({ peerId: HIGH, type: FRAME_SYNC, payload: [0, 0] })
    expect(record.badFrames).toHaveLength(1)
  })

  it('reports ICE disconnection and recovery of an open link', () => {
    const { signaling, factory, record, state } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    peer.options.events.onIceState('disconnected')
    expect(record.states).toEqual([])
    peer.connect()
    peer.options.events.onIceState('checking')
    peer.options.events.onIceState('disconnected')
    expect(state(HIGH)?.state).toBe('reconnecting')
    peer.options.events.onIceState('disconnected')
    peer.options.events.onIceState('connected')
    expect(state(HIGH)?.state).toBe('connected')
    expect(record.states).toEqual([`${HIGH} reconnecting`, `${HIGH} connected`])
  })

  it('restarts ICE after a moment of disconnection, again while it lasts, never once recovered', () => {
    const { signaling, factory, timers, mesh } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    peer.connect()
    peer.options.events.onIceState('connected')
    peer.options.events.onIceState('disconnected')
    timers.advance(1000)
    expect(peer.restarts).toBe(0)
    timers.advance(600)
    expect(peer.restarts).toBe(1)
    // The restart's own 'checking' keeps the retry; a second 'disconnected' adds no timer.
    peer.options.events.onIceState('checking')
    peer.options.events.onIceState('disconnected')
    timers.advance(4500)
    expect(peer.restarts).toBe(2)
    expect(mesh.iceRestarts(HIGH)).toBe(2)
    peer.options.events.onIceState('connected')
    timers.advance(60_000)
    expect(peer.restarts).toBe(2)
    expect(peer.destroyed).toBe(false)
  })

  it('does not restart a link that recovers by itself, nor one that is gone', () => {
    const { signaling, factory, timers, mesh } = setup()
    signaling.join([HIGH, LOW])
    const [high, low] = factory.peers as [FakePeer, FakePeer]
    for (const peer of [high, low]) {
      peer.connect()
      peer.options.events.onIceState('disconnected')
    }
    timers.advance(500)
    high.options.events.onIceState('completed')
    low.options.events.onClose()
    timers.advance(10_000)
    expect(high.restarts).toBe(0)
    expect(low.restarts).toBe(0)
    expect(mesh.iceRestarts(LOW)).toBe(0)
  })

  it('a send failure ends the link and schedules a redial', () => {
    const { signaling, factory, record, timers } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    peer.channel.send = () => {
      throw new Error('message too big')
    }
    peer.connect()
    record.links[0]!.send(encodeFrame(FRAME_SYNC, new Uint8Array(10)))
    expect(peer.destroyed).toBe(true)
    expect(record.closed).toEqual([HIGH])
    timers.advance(1000)
    expect(factory.peers).toHaveLength(2)
  })

  it('close(reason) from the sync layer blocks the peer for good', async () => {
    const { signaling, factory, record, timers, receive, state } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    peer.connect()
    record.links[0]!.close('too many bad messages')
    expect(peer.destroyed).toBe(true)
    expect(record.closed).toEqual([HIGH])
    expect(state(HIGH)?.state).toBe('failed')

    timers.advance(600_000)
    await receive(HIGH, { c: 'new', n: 1, s: offer() })
    signaling.join([HIGH])
    expect(factory.peers).toHaveLength(1)
    expect(state(HIGH)?.state).toBe('failed')
  })

  it('a connect timeout abandons the link', () => {
    const { signaling, factory, timers, record } = setup()
    signaling.join([HIGH])
    const peer = factory.last()
    timers.advance(4999)
    expect(peer.destroyed).toBe(false)
    timers.advance(1)
    expect(peer.destroyed).toBe(true)
    // It never opened, so the sync layer hears nothing.
    expect(record.closed).toEqual([])
  })

  it('stop() ends every link and every timer', () => {
    const { signaling, factory, timers, mesh, record } = setup()
    signaling.join([LOW, HIGH])
    factory.peers[0]!.connect()
    factory.peers[1]!.options.events.onClose()
    mesh.stop()
    expect(signaling.stopped).toBe(true)
    expect(factory.peers.every((peer) => peer.destroyed)).toBe(true)
    expect(record.closed).toEqual([LOW])
    timers.advance(600_000)
    expect(factory.peers).toHaveLength(2)
  })
})

describe('PeerMesh with the real signal sealer', () => {
  it('two meshes in the same room connect; a mesh with another key sees the peer as unverified', async () => {
    const roomKey = 'AAECAwQFBgcICQoLDA0ODw'
    const sealer = await createSignalSealer('room-1', roomKey)
    const a = setup(LOW, sealer)
    const b = setup(HIGH, sealer)
    a.signaling.relay = (to, data) => b.signaling.events!.signal(LOW, data)
    b.signaling.relay = (to, data) => a.signaling.events!.signal(HIGH, data)
    b.signaling.join([])
    a.signaling.join([HIGH])
    a.factory.last().options.events.onSignal(offer('real'))
    await vi.waitFor(() => expect(b.factory.peers).toHaveLength(1))
    expect(b.factory.last().signals).toEqual([offer('real')])
    expect(b.factory.last().initiator).toBe(false)

    const stranger = setup(OTHER, await createSignalSealer('room-1', 'BBECAwQFBgcICQoLDA0ODw'))
    a.signaling.relay = (to, data) => stranger.signaling.events!.signal(LOW, data)
    stranger.signaling.join([])
    a.signaling.join([HIGH, OTHER])
    a.factory.last().options.events.onSignal(offer('to stranger'))
    await vi.waitFor(() => expect(stranger.state(LOW)?.state).toBe('unverified'))
    expect(stranger.factory.peers).toHaveLength(0)
  })
})
