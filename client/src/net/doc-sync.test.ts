import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { Awareness } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DocSync, MAX_STRIKES, PeerSync, SYNC_RETRY_MS, type SyncLink } from './doc-sync'
import {
  FRAME_AWARENESS,
  FRAME_AWARENESS_QUERY,
  FRAME_LIVE,
  FRAME_LIVE_APPEND,
  FRAME_SYNC,
  FRAME_SYNC_REF,
  decodeFrame,
  encodeFrame,
  type Frame,
} from './frames'

interface Node {
  name: string
  doc: Y.Doc
  awareness: Awareness
  sync: DocSync
  synced: string[]
  warnings: string[]
}

class FakeLink implements SyncLink {
  readonly sent: Frame[] = []
  readonly closed: string[] = []

  constructor(
    readonly peerId: string,
    readonly deliver: (frame: Uint8Array) => void,
  ) {}

  send(frame: Uint8Array): void {
    this.sent.push(decodeFrame(frame))
    this.deliver(frame)
  }

  close(reason: string): void {
    this.closed.push(reason)
  }
}

const created: Node[] = []

afterEach(() => {
  for (const node of created.splice(0)) {
    node.sync.destroy()
    node.awareness.destroy()
    node.doc.destroy()
  }
})

function node(name: string): Node {
  const doc = new Y.Doc()
  const awareness = new Awareness(doc)
  awareness.setLocalState({ user: { name, color: '#e03131' }, cursor: null })
  const synced: string[] = []
  const warnings: string[] = []
  const sync = new DocSync(doc, awareness, {
    onSynced: (peerId) => synced.push(peerId),
    onWarning: (peerId, reason) => warnings.push(`${peerId}: ${reason}`),
  })
  const result = { name, doc, awareness, sync, synced, warnings }
  created.push(result)
  return result
}

/** In-memory links between DocSyncs; delivery is queued (manual flush) or on microtasks. */
class Network {
  readonly #queue: (() => void)[] = []
  readonly links = new Map<string, FakeLink>()

  constructor(readonly mode: 'manual' | 'microtask' = 'manual') {}

  connect(a: Node, b: Node): void {
    const ab = this.#link(a, b)
    const ba = this.#link(b, a)
    a.sync.addPeer(ab)
    b.sync.addPeer(ba)
  }

  link(from: Node, to: Node): FakeLink {
    return this.links.get(`${from.name}>${to.name}`)!
  }

  #link(from: Node, to: Node): FakeLink {
    const link = new FakeLink(to.name, (bytes) => {
      const deliver = () => to.sync.peer(from.name)?.receive(decodeFrame(bytes))
      if (this.mode === 'microtask') queueMicrotask(deliver)
      else this.#queue.push(deliver)
    })
    this.links.set(`${from.name}>${to.name}`, link)
    return link
  }

  flush(): void {
    while (this.#queue.length > 0) this.#queue.shift()!()
  }

  /** Loses everything in flight. */
  drop(): void {
    this.#queue.length = 0
  }

  clearSent(): void {
    for (const link of this.links.values()) link.sent.length = 0
  }
}

function mesh(names: string[], mode: 'manual' | 'microtask' = 'manual') {
  const nodes = names.map(node)
  const net = new Network(mode)
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) net.connect(nodes[i]!, nodes[j]!)
  }
  return { nodes, net }
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

function content(doc: Y.Doc) {
  return {
    map: doc.getMap('m').toJSON(),
    text: doc.getText('t').toString(),
    list: doc.getArray('l').toJSON(),
  }
}

function syncFrame(write: (encoder: encoding.Encoder) => void): Frame {
  const encoder = encoding.createEncoder()
  write(encoder)
  return { type: FRAME_SYNC, payload: encoding.toUint8Array(encoder) }
}

const updateFrame = (update: Uint8Array) =>
  syncFrame((encoder) => syncProtocol.writeUpdate(encoder, update))

function syncMessageType(frame: Frame): number {
  return decoding.readVarUint(decoding.createDecoder(frame.payload))
}

/** A real update with several kinds of content, to truncate. */
function sampleUpdate(): Uint8Array {
  const doc = new Y.Doc()
  doc.getMap('m').set('shape', { type: 'pen', points: new Uint8Array([16, 1, 2]), z: 1 })
  doc.getText('t').insert(0, 'hello world')
  doc.getArray('l').push([1, 'two', { three: 3 }])
  doc.getMap('m').delete('shape')
  return Y.encodeStateAsUpdate(doc)
}

describe('DocSync initial sync', () => {
  it('exchanges pre-existing content in both directions (step 1 / step 2)', () => {
    const a = node('a')
    const b = node('b')
    a.doc.getMap('m').set('fromA', 1)
    a.doc.getText('t').insert(0, 'AAA')
    b.doc.getMap('m').set('fromB', 2)
    b.doc.getArray('l').push(['b'])
    const net = new Network()
    net.connect(a, b)

    // Each side opens with step 1 (its state vector) and its presence.
    const opening = net.link(a, b).sent
    expect(opening[0]?.type).toBe(FRAME_SYNC)
    expect(syncMessageType(opening[0]!)).toBe(syncProtocol.messageYjsSyncStep1)
    expect(opening.some((frame) => frame.type === FRAME_AWARENESS)).toBe(true)
    expect(a.synced).toEqual([])

    net.flush()
    expect(content(a.doc)).toEqual({ map: { fromA: 1, fromB: 2 }, text: 'AAA', list: ['b'] })
    expect(content(b.doc)).toEqual(content(a.doc))
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc))
    expect(a.sync.peer('b')?.synced).toBe(true)
    expect(b.sync.peer('a')?.synced).toBe(true)
    const replies = net.link(a, b).sent.filter((frame) => frame.type === FRAME_SYNC)
    expect(replies.map(syncMessageType)).toContain(syncProtocol.messageYjsSyncStep2)
  })

  it('syncs three peers over microtask links: earlier content, then later updates', async () => {
    const nodes = ['a', 'b', 'c'].map(node)
    const [a, b, c] = nodes as [Node, Node, Node]
    nodes.forEach((n, i) => n.doc.getMap('m').set(n.name, i))
    a.doc.getText('t').insert(0, 'x'.repeat(1000))
    const net = new Network('microtask')
    net.connect(a, b)
    net.connect(b, c)
    net.connect(a, c)
    await settle()
    for (const n of nodes) {
      expect(content(n.doc).map).toEqual({ a: 0, b: 1, c: 2 })
      expect(content(n.doc).text).toHaveLength(1000)
      expect(n.synced.sort()).toEqual(['a', 'b', 'c'].filter((name) => name !== n.name))
    }

    a.doc.getText('t').insert(0, 'later ')
    b.doc.getArray('l').push(['from b'])
    c.doc.getMap('m').delete('a')
    await settle()
    for (const n of nodes) expect(content(n.doc)).toEqual(content(a.doc))
    expect(content(a.doc).list).toEqual(['from b'])
    expect(content(a.doc).map).toEqual({ b: 1, c: 2 })
    expect(content(a.doc).text.startsWith('later x')).toBe(true)
  })

  it('fires onSynced once per peer, after step 2', () => {
    const a = node('a')
    const b = node('b')
    const net = new Network()
    net.connect(a, b)
    expect(a.synced).toEqual([])
    net.flush()
    expect(a.synced).toEqual(['b'])
    expect(b.synced).toEqual(['a'])

    // Another step 1 from b makes a answer with another step 2: no second onSynced on b.
    const step1 = syncFrame((encoder) => syncProtocol.writeSyncStep1(encoder, b.doc))
    a.sync.peer('b')!.receive(step1)
    net.flush()
    expect(b.synced).toEqual(['a'])
    expect(a.synced).toEqual(['b'])

    // An update alone does not count as synced.
    const c = node('c')
    const update = Y.encodeStateAsUpdate(new Y.Doc())
    c.sync.addPeer(new FakeLink('x', () => undefined)).receive(updateFrame(update))
    expect(c.synced).toEqual([])
  })
})

describe('DocSync asks again when a sync answer is overdue', () => {
  const stepOnes = (link: FakeLink) =>
    link.sent.filter(
      (frame) =>
        frame.type === FRAME_SYNC && syncMessageType(frame) === syncProtocol.messageYjsSyncStep1,
    ).length

  it('repeats sync step 1, backing off, until the answer comes', () => {
    const a = node('a')
    const b = node('b')
    b.doc.getMap('m').set('drawn', 'before a came')
    const net = new Network()
    net.connect(a, b)
    // Both step 1s are lost on the way.
    net.drop()
    const toB = net.link(a, b)
    expect(stepOnes(toB)).toBe(1)
    const never = () => false
    expect(a.sync.retryStalled(1000, never)).toEqual([])
    expect(a.sync.retryStalled(1000 + SYNC_RETRY_MS - 1, never)).toEqual([])
    expect(a.sync.retryStalled(1000 + SYNC_RETRY_MS, never)).toEqual(['b'])
    expect(stepOnes(toB)).toBe(2)
    // Lost again: the next try waits twice as long.
    net.drop()
    const second = 1000 + 3 * SYNC_RETRY_MS
    expect(a.sync.retryStalled(second - 1, never)).toEqual([])
    expect(a.sync.retryStalled(second, never)).toEqual(['b'])
    net.flush()
    expect(a.synced).toEqual(['b'])
    expect(content(a.doc).map).toEqual({ drawn: 'before a came' })
    expect(a.sync.retryStalled(second + 60 * SYNC_RETRY_MS, never)).toEqual([])
    expect(stepOnes(toB)).toBe(3)
  })

  it('does not ask again while a chunked answer is arriving', () => {
    const a = node('a')
    const b = node('b')
    const net = new Network()
    net.connect(a, b)
    net.drop()
    let receiving = true
    const chunks = (peerId: string) => peerId === 'b' && receiving
    expect(a.sync.retryStalled(0, chunks)).toEqual([])
    // Chunks kept coming for a minute: each one restarts the wait.
    for (let t = 1000; t <= 60_000; t += 1000) expect(a.sync.retryStalled(t, chunks)).toEqual([])
    receiving = false
    expect(a.sync.retryStalled(60_000 + SYNC_RETRY_MS - 1, chunks)).toEqual([])
    expect(a.sync.retryStalled(60_000 + SYNC_RETRY_MS, chunks)).toEqual(['b'])
  })
})

describe('DocSync updates', () => {
  it.each([2, 3, 4])(
    'with %i peers, a local update costs one frame per peer and is not forwarded',
    (count) => {
      const names = ['a', 'b', 'c', 'd'].slice(0, count)
      const { nodes, net } = mesh(names)
      net.flush()
      net.clearSent()
      const [a, ...others] = nodes as [Node, ...Node[]]

      a.doc.getMap('m').set('k', 'v')
      const outgoing = others.map((other) => net.link(a, other).sent)
      expect(outgoing.map((sent) => sent.length)).toEqual(others.map(() => 1))
      expect(
        outgoing.every((sent) => syncMessageType(sent[0]!) === syncProtocol.messageYjsUpdate),
      ).toBe(true)

      net.flush()
      for (const other of others) {
        expect(other.doc.getMap('m').get('k')).toBe('v')
        for (const peer of nodes) {
          if (peer !== other) expect(net.link(other, peer).sent).toHaveLength(0)
        }
      }
    },
  )

  it('applies remote updates with the PeerSync as origin', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    const origins: unknown[] = []
    b.doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin))
    a.doc.getText('t').insert(0, 'hi')
    net.flush()
    expect(origins).toHaveLength(1)
    expect(origins[0]).toBeInstanceOf(PeerSync)
    expect(origins[0]).toBe(b.sync.peer('a'))
  })

  it('sends a local awareness change once per peer and never relays a peer\u2019s presence', () => {
    const { nodes, net } = mesh(['a', 'b', 'c'])
    net.flush()
    net.clearSent()
    const [a, b, c] = nodes as [Node, Node, Node]
    a.awareness.setLocalStateField('cursor', { x: 1, y: 2 })
    expect(net.link(a, b).sent.map((frame) => frame.type)).toEqual([FRAME_AWARENESS])
    expect(net.link(a, c).sent.map((frame) => frame.type)).toEqual([FRAME_AWARENESS])
    net.flush()
    for (const n of [b, c]) {
      expect(n.awareness.getStates().get(a.doc.clientID)).toMatchObject({ cursor: { x: 1, y: 2 } })
    }
    expect(net.link(b, c).sent).toHaveLength(0)
    expect(net.link(b, a).sent).toHaveLength(0)
    expect(net.link(c, a).sent).toHaveLength(0)
  })

  it('stops sending after destroy()', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    net.clearSent()
    const [a, b] = nodes as [Node, Node]
    a.sync.destroy()
    a.doc.getMap('m').set('late', 1)
    a.awareness.setLocalStateField('cursor', { x: 5, y: 5 })
    expect(net.link(a, b).sent).toHaveLength(0)
    expect(a.sync.peerCount).toBe(0)
  })
})

describe('DocSync awareness', () => {
  it('propagates presence and removes it from the other side on removePeer', () => {
    const { nodes, net } = mesh(['a', 'b', 'c'])
    net.flush()
    const [a, b, c] = nodes as [Node, Node, Node]
    for (const n of nodes) {
      expect([...n.awareness.getStates().keys()].sort()).toEqual(
        nodes.map((m) => m.doc.clientID).sort(),
      )
    }
    expect(b.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'a' } })
    expect(b.sync.peer('a')!.owner).toBe(a.doc.clientID)

    const removed: number[] = []
    b.awareness.on('change', ({ removed: gone }: { removed: number[] }) => removed.push(...gone))
    net.clearSent()
    b.sync.removePeer('a')
    // Dropping a peer's presence is not news for anyone else.
    expect(net.link(b, c).sent).toHaveLength(0)
    expect(removed).toEqual([a.doc.clientID])
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false)
    expect(b.awareness.getStates().has(c.doc.clientID)).toBe(true)
    expect(c.awareness.getStates().has(a.doc.clientID)).toBe(true)
    expect(b.sync.peer('a')).toBeUndefined()
  })

  it('removes a presence that its owner clears', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    a.awareness.setLocalState(null)
    net.flush()
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false)
    expect(b.sync.presenceOf('a')).toBeNull()
  })

  it('drops a suspended peer\u2019s presence and gets it back when both resume', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    a.sync.suspendPeer('b')
    b.sync.suspendPeer('a')
    expect(a.awareness.getStates().has(b.doc.clientID)).toBe(false)
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false)
    a.sync.resumePeer('b')
    b.sync.resumePeer('a')
    net.flush()
    expect(a.awareness.getStates().get(b.doc.clientID)).toMatchObject({ user: { name: 'b' } })
    expect(b.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'a' } })
  })

  it('gets a peer\u2019s presence back when only our side was interrupted', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    a.sync.suspendPeer('b')
    expect(a.sync.presenceOf('b')).toBeNull()
    a.sync.resumePeer('b')
    net.flush()
    expect(a.sync.presenceOf('b')).toMatchObject({ user: { name: 'b' } })
    expect(b.sync.presenceOf('a')).toMatchObject({ user: { name: 'a' } })
    expect(a.warnings.concat(b.warnings)).toEqual([])
  })

  it('shows a presence that comes back to the awareness listeners it comes back with', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    b.awareness.setLocalStateField('voice', { on: true, muted: false, speaking: false })
    net.flush()
    a.sync.suspendPeer('b')
    b.sync.suspendPeer('a')
    expect(a.sync.presenceOf('b')).toBeNull()
    const seen: { event: string; presence: unknown }[] = []
    const onChange = () => seen.push({ event: 'change', presence: a.sync.presenceOf('b') })
    const onUpdate = () => seen.push({ event: 'update', presence: a.sync.presenceOf('b') })
    a.awareness.on('change', onChange)
    a.awareness.on('update', onUpdate)
    a.sync.resumePeer('b')
    b.sync.resumePeer('a')
    net.flush()
    a.awareness.off('change', onChange)
    a.awareness.off('update', onUpdate)
    // y-protocols emits 'change' before 'update': the presence must be readable already then.
    const back = expect.objectContaining({ voice: { on: true, muted: false, speaking: false } })
    expect(seen.slice(0, 2)).toEqual([
      { event: 'change', presence: back },
      { event: 'update', presence: back },
    ])
    expect(a.sync.presenceOf('nobody')).toBeNull()
  })

  it('announces itself once per link while a mesh comes up, and peers still take its changes', () => {
    const { nodes, net } = mesh(['a', 'b', 'c', 'd'])
    net.flush()
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue
        const awareness = net.link(from, to).sent.filter((f) => f.type === FRAME_AWARENESS)
        expect(awareness).toHaveLength(1)
      }
    }
    const [a, b, c, d] = nodes as [Node, Node, Node, Node]
    for (const other of [b, c, d]) {
      expect(other.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'a' } })
    }
    a.awareness.setLocalStateField('tool', 'eraser')
    net.flush()
    for (const other of [b, c, d]) {
      expect(other.awareness.getStates().get(a.doc.clientID)).toMatchObject({ tool: 'eraser' })
    }
  })
})

describe('DocSync awareness ownership', () => {
  /** An awareness update for arbitrary (clientID, clock, state) entries, as a hostile peer sends. */
  function forged(entries: [number, number, unknown][]): Frame {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, entries.length)
    for (const [id, clock, state] of entries) {
      encoding.writeVarUint(encoder, id)
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarString(encoder, JSON.stringify(state))
    }
    return { type: FRAME_AWARENESS, payload: encoding.toUint8Array(encoder) }
  }

  it('owns a peer the first client id it announces', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    expect(b.sync.peer('a')!.owner).toBe(a.doc.clientID)
    expect(b.warnings).toEqual([])
  })

  it('refuses states a peer announces for another peer\u2019s client id, or ours', () => {
    const { nodes, net } = mesh(['a', 'b', 'h'])
    net.flush()
    const [a, b, h] = nodes as [Node, Node, Node]
    const hostile = b.sync.peer('h')!
    hostile.receive(
      forged([
        [a.doc.clientID, 1000, { user: { name: 'mallory', color: '#000' } }],
        [b.doc.clientID, 1000, null],
      ]),
    )
    expect(b.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'a' } })
    expect(b.awareness.getLocalState()).toMatchObject({ user: { name: 'b' } })
    expect(b.warnings.some((w) => /not its own/.test(w))).toBe(true)
    // Its own state still goes through with the same message.
    hostile.receive(
      forged([
        [h.doc.clientID, 1000, { user: { name: 'h2', color: '#000' } }],
        [a.doc.clientID, 2000, null],
      ]),
    )
    expect(b.awareness.getStates().get(h.doc.clientID)).toMatchObject({ user: { name: 'h2' } })
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(true)
    expect(hostile.owner).toBe(h.doc.clientID)
  })

  it('never lets a newcomer claim a client id another link owns, nor ours', () => {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    const first = b.sync.addPeer(new FakeLink('x', () => undefined))
    first.receive(forged([[a.doc.clientID, 500, { user: { name: 'fake a' } }]]))
    expect(first.owner).toBeNull()
    const second = b.sync.addPeer(new FakeLink('y', () => undefined))
    second.receive(forged([[b.doc.clientID, 500, null]]))
    expect(second.owner).toBeNull()
    expect(b.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'a' } })
    expect(b.awareness.getLocalState()).not.toBeNull()
  })

  it('keeps every other state intact whatever one peer announces (fuzz)', () => {
    const { nodes, net } = mesh(['a', 'b', 'h'])
    net.flush()
    const [a, b, h] = nodes as [Node, Node, Node]
    const ids = [a.doc.clientID, b.doc.clientID, h.doc.clientID, 1, 2, 3]
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...ids),
            fc.nat(1_000_000),
            fc.oneof(fc.constant(null), fc.object()),
          ),
          { maxLength: 6 },
        ),
        (entries) => {
          const hostile = b.sync.peer('h')
          if (!hostile) return
          hostile.receive(forged(entries))
          expect(b.awareness.getStates().get(a.doc.clientID)).toMatchObject({ user: { name: 'a' } })
          expect(b.awareness.getLocalState()).toMatchObject({ user: { name: 'b' } })
          expect(hostile.owner).toBe(h.doc.clientID)
        },
      ),
      { numRuns: 2000, seed: 6 },
    )
  }, 60_000)
})

describe('DocSync refuses malformed input', () => {
  function victim() {
    const { nodes, net } = mesh(['a', 'b'])
    net.flush()
    const [a, b] = nodes as [Node, Node]
    b.doc.getMap('m').set('keep', 1)
    net.flush()
    const before = {
      vector: Y.encodeStateVector(b.doc),
      content: content(b.doc),
      update: Y.encodeStateAsUpdate(b.doc),
    }
    const peer = b.sync.peer('a')!
    const unchanged = () => {
      expect(Y.encodeStateVector(b.doc)).toEqual(before.vector)
      expect(content(b.doc)).toEqual(before.content)
      expect(Y.encodeStateAsUpdate(b.doc)).toEqual(before.update)
    }
    return { a, b, net, peer, unchanged, link: net.link(b, a) }
  }

  it('refuses random bytes as an update without touching the document', () => {
    const { b, peer, unchanged } = victim()
    peer.receive(updateFrame(new Uint8Array([1, 200, 13, 7, 7, 7, 255, 0, 3])))
    unchanged()
    expect(b.warnings).toHaveLength(1)
    expect(b.warnings[0]).toMatch(/^a: bad sync message/)
  })

  it('refuses every truncation of a valid update without touching the document', () => {
    const update = sampleUpdate()
    for (let length = 1; length < update.length; length++) {
      const { b, peer, unchanged } = victim()
      peer.receive(updateFrame(update.subarray(0, length)))
      unchanged()
      expect(b.warnings).toHaveLength(1)
    }
    // The whole update is accepted.
    const { b, peer } = victim()
    peer.receive(updateFrame(update))
    expect(b.warnings).toEqual([])
    expect(b.doc.getText('t').toString()).toBe('hello world')
  })

  it('refuses truncated step 2 and does not count the peer as synced', () => {
    const b = node('b')
    const peer = b.sync.addPeer(new FakeLink('a', () => undefined))
    const update = sampleUpdate()
    peer.receive(syncFrame((encoder) => syncProtocol.writeSyncStep2(encoder, docFrom(update))))
    expect(b.synced).toEqual(['a'])
    const c = node('c')
    const bad = c.sync.addPeer(new FakeLink('a', () => undefined))
    bad.receive(
      syncFrame((encoder) => {
        encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2)
        encoding.writeVarUint8Array(encoder, update.subarray(0, update.length - 3))
      }),
    )
    expect(c.synced).toEqual([])
    expect(bad.synced).toBe(false)
    expect(c.warnings).toHaveLength(1)
    expect(c.doc.getText('t').toString()).toBe('')
  })

  it('refuses unknown sync message types, empty payloads and garbage awareness', () => {
    const { b, peer, unchanged } = victim()
    peer.receive(syncFrame((encoder) => encoding.writeVarUint(encoder, 9)))
    peer.receive({ type: FRAME_SYNC, payload: new Uint8Array(0) })
    unchanged()
    expect(b.warnings).toHaveLength(2)
    const { b: b2, peer: peer2 } = victim()
    const states = b2.awareness.getStates().size
    peer2.receive({ type: FRAME_AWARENESS, payload: new Uint8Array([5, 1, 2]) })
    expect(b2.warnings[0]).toMatch(/bad awareness message/)
    expect(b2.awareness.getStates().size).toBe(states)
    peer2.receive({ type: FRAME_AWARENESS_QUERY, payload: new Uint8Array([0]) })
    expect(b2.warnings[1]).toMatch(/bad awareness query message: .*1 unexpected bytes/)
  })

  it('leaves the document unchanged (or accepts a valid update) for arbitrary bytes', () => {
    const { b, peer, unchanged } = victim()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const warnings = b.warnings.length
        const vector = Y.encodeStateVector(b.doc)
        peer.receive(updateFrame(bytes))
        if (b.warnings.length > warnings) expect(Y.encodeStateVector(b.doc)).toEqual(vector)
      }),
      { numRuns: 1000 },
    )
    unchanged()
  }, 30_000)

  it(`closes the link after ${MAX_STRIKES} bad messages`, () => {
    const { b, peer, link } = victim()
    for (let i = 1; i < MAX_STRIKES; i++) {
      peer.receive(updateFrame(new Uint8Array([1, 2, 3])))
      expect(link.closed).toEqual([])
    }
    peer.receive({ type: FRAME_AWARENESS, payload: new Uint8Array([255]) })
    expect(link.closed).toHaveLength(1)
    expect(link.closed[0]).toMatch(/too many bad messages/)
    expect(b.warnings).toHaveLength(MAX_STRIKES)
  })

  it('counts strikes from the frame layer too', () => {
    const { peer, link } = victim()
    for (let i = 0; i < MAX_STRIKES; i++) peer.strike('bad chunk')
    expect(link.closed).toHaveLength(1)
  })
})

function docFrom(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

describe('DocSync live (ephemeral) frames', () => {
  function liveNode(name: string, received: string[], fail = false): Node {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    const warnings: string[] = []
    const sync = new DocSync(doc, awareness, {
      onWarning: (peerId, reason) => warnings.push(`${peerId}: ${reason}`),
      onLive: (peerId, payload) => {
        if (fail) throw new Error('malformed')
        received.push(`${peerId}:${[...payload].join(',')}`)
      },
    })
    const result = { name, doc, awareness, sync, synced: [], warnings }
    created.push(result)
    return result
  }

  it('sends one LIVE frame per peer, never stores it and never forwards it', () => {
    const got: string[] = []
    const a = liveNode('a', [])
    const b = liveNode('b', got)
    const c = liveNode('c', got)
    const net = new Network()
    net.connect(a, b)
    net.connect(a, c)
    net.connect(b, c)
    net.flush()
    net.clearSent()
    a.sync.broadcastLive(new Uint8Array([1, 2, 3]))
    net.flush()
    expect(got.sort()).toEqual(['a:1,2,3', 'a:1,2,3'])
    const liveFrames = [...net.links.values()]
      .flatMap((link) => link.sent)
      .filter((f) => f.type === FRAME_LIVE)
    expect(liveFrames).toHaveLength(2)
    expect(Y.encodeStateAsUpdate(b.doc)).toEqual(Y.encodeStateAsUpdate(new Y.Doc()))
  })

  it('counts a live message its handler refuses as a bad message', () => {
    const a = liveNode('a', [])
    const b = liveNode('b', [], true)
    const net = new Network()
    net.connect(a, b)
    net.flush()
    for (let i = 0; i < MAX_STRIKES; i++) a.sync.sendLive('b', new Uint8Array([9]))
    net.flush()
    expect(b.warnings[0]).toMatch(/bad live message/)
    expect(net.link(b, a).closed).toHaveLength(1)
  })
})

describe('DocSync updates that refer to live bytes (FRAME_SYNC_REF)', () => {
  /** Bytes both sides hold, as a live stroke's points would be. */
  const points = new Uint8Array(Array.from({ length: 60 }, (_, i) => (i * 7 + 3) % 251))

  function refNode(
    name: string,
    options: {
      offer?: () => Uint8Array | null
      held?: (peer: string, ref: number) => Uint8Array | null
    },
  ): Node {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    const warnings: string[] = []
    const sync = new DocSync(doc, awareness, {
      onWarning: (peerId, reason) => warnings.push(`${peerId}: ${reason}`),
      onLive: (peerId, payload, append) => liveLog.push(`${peerId}:${append}:${payload.length}`),
      referenceFor: () => {
        const bytes = options.offer?.() ?? null
        return bytes ? { ref: 7, bytes } : null
      },
      resolveReference: (peer, ref) => options.held?.(peer, ref) ?? null,
    })
    const result = { name, doc, awareness, sync, synced: [], warnings }
    created.push(result)
    return result
  }

  const liveLog: string[] = []
  const framesOf = (link: FakeLink, type: number) => link.sent.filter((f) => f.type === type)

  it('sends the update without the bytes the peer holds, and the peer rebuilds it', () => {
    const asked: string[] = []
    const a = refNode('a', { offer: () => points })
    const b = refNode('b', {
      held: (peer, ref) => {
        asked.push(`${peer}#${ref}`)
        return points
      },
    })
    const net = new Network()
    net.connect(a, b)
    net.flush()
    net.clearSent()
    a.doc.getMap('m').set('stroke', points)
    net.flush()
    const sent = net.link(a, b).sent
    expect(sent.map((f) => f.type)).toEqual([FRAME_SYNC_REF])
    const full = Y.encodeStateAsUpdate(a.doc)
    expect(sent[0]!.payload.length).toBeLessThan(full.length - points.length + 8)
    expect(asked).toEqual(['a#7'])
    expect(b.doc.getMap('m').get('stroke')).toEqual(points)
    expect(Y.encodeStateVector(b.doc)).toEqual(Y.encodeStateVector(a.doc))
    expect(b.warnings).toEqual([])
  })

  it('falls back to a plain update when the bytes are not in it', () => {
    const a = refNode('a', { offer: () => new Uint8Array([250, 251, 252, 253]) })
    const b = refNode('b', {})
    const net = new Network()
    net.connect(a, b)
    net.flush()
    net.clearSent()
    a.doc.getMap('m').set('k', 'v')
    net.flush()
    expect(net.link(a, b).sent.map((f) => f.type)).toEqual([FRAME_SYNC])
    expect(b.doc.getMap('m').get('k')).toBe('v')
  })

  it('asks with sync step 1 when it does not hold the bytes, and still converges', () => {
    const a = refNode('a', { offer: () => points })
    const b = refNode('b', { held: () => null })
    const net = new Network()
    net.connect(a, b)
    net.flush()
    net.clearSent()
    a.doc.getMap('m').set('stroke', points)
    net.flush()
    const asked = framesOf(net.link(b, a), FRAME_SYNC).map(syncMessageType)
    expect(asked).toEqual([syncProtocol.messageYjsSyncStep1])
    expect(b.doc.getMap('m').get('stroke')).toEqual(points)
    expect(b.warnings).toEqual([])
  })

  it('counts a malformed reference or a rebuilt update that does not parse as bad', () => {
    const b = refNode('b', { held: () => new Uint8Array([1, 2, 3]) })
    const a = refNode('a', {})
    const net = new Network()
    net.connect(a, b)
    net.flush()
    const before = Y.encodeStateAsUpdate(b.doc)
    const peer = b.sync.peer('a')!
    const ref = (offset: number, rest: number[]) => {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 7)
      encoding.writeVarUint(encoder, offset)
      encoding.writeVarUint8Array(encoder, new Uint8Array(rest))
      return decodeFrame(encodeFrame(FRAME_SYNC_REF, encoding.toUint8Array(encoder)))
    }
    peer.receive(ref(5, [0, 0]))
    peer.receive(ref(1, [0, 0, 0]))
    expect(b.warnings).toHaveLength(2)
    expect(b.warnings[0]).toMatch(/bad sync reference message/)
    expect(Y.encodeStateAsUpdate(b.doc)).toEqual(before)
  })

  it('passes live append frames to the handler as appends', () => {
    const a = refNode('a', {})
    const b = refNode('b', {})
    const net = new Network()
    net.connect(a, b)
    net.flush()
    net.clearSent()
    a.sync.broadcastLive(new Uint8Array([1, 2]), true)
    a.sync.broadcastLive(new Uint8Array([3, 4, 5]))
    net.flush()
    expect(net.link(a, b).sent.map((f) => f.type)).toEqual([FRAME_LIVE_APPEND, FRAME_LIVE])
    expect(liveLog).toEqual(['a:true:2', 'a:false:3'])
  })
})

describe('DocSync applying peer updates', () => {
  function feedNode(name: string, feed: { origin: unknown; bytes: number[] }[]): Node {
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    const sync = new DocSync(doc, awareness, {
      onUpdate: (update, origin) => feed.push({ origin, bytes: [...update] }),
    })
    const result = { name, doc, awareness, sync, synced: [], warnings: [] }
    created.push(result)
    return result
  }

  it('feeds local updates and peer updates as received, with their origins', () => {
    const feedA: { origin: unknown; bytes: number[] }[] = []
    const feedB: { origin: unknown; bytes: number[] }[] = []
    const a = feedNode('a', feedA)
    const b = feedNode('b', feedB)
    const net = new Network()
    net.connect(a, b)
    net.flush()
    feedA.length = 0
    feedB.length = 0
    const origin = { author: 'me' }
    let sent: Uint8Array | null = null
    a.doc.on('update', (update: Uint8Array) => (sent = update))
    a.doc.transact(() => a.doc.getMap('m').set('k', 'v'), origin)
    net.flush()
    expect(feedA).toEqual([{ origin, bytes: [...sent!] }])
    expect(feedB).toHaveLength(1)
    expect(feedB[0]!.origin).toBe(b.sync.peer('a'))
    expect(feedB[0]!.bytes).toEqual([...sent!])
  })

  it('still sends a local change that an observer makes while a peer update applies', () => {
    const { nodes, net } = mesh(['a', 'b'])
    const [a, b] = nodes as [Node, Node]
    net.flush()
    // b reacts to a's change by writing to its own document from inside the observer.
    b.doc.getMap('m').observe((event) => {
      if (event.keysChanged.has('ping')) b.doc.getMap('m').set('pong', 'from b')
    })
    a.doc.getMap('m').set('ping', 1)
    net.flush()
    net.flush()
    expect(a.doc.getMap('m').get('pong')).toBe('from b')
    expect(content(a.doc)).toEqual(content(b.doc))
  })
})
