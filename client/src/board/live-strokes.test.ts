import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LiveStrokes, STALE_MS } from './live-strokes'
import { PointEncoder } from './points'
import { MAX_POINTS_BYTES, type ShapeStyle } from './shapes'

const ink: ShapeStyle = { color: '#1e1e1e', size: 4, fill: null }

function linked(now: () => number = Date.now) {
  const sender = new LiveStrokes(now)
  const receiver = new LiveStrokes(now)
  const sent: { message: Uint8Array; append: boolean }[] = []
  sender.connect((message, append) => {
    sent.push({ message, append })
    expect(receiver.receive('peer-a', message, append)).toBe(true)
  })
  return { sender, receiver, sent }
}

describe('LiveStrokes', () => {
  it('mirrors a stroke as it grows and removes it on end', () => {
    const { sender, receiver, sent } = linked()
    const encoder = new PointEncoder({ pressure: false })
    sender.begin('s1', 'highlighter', ink, encoder.encode([1, 2, 0.5]))
    sender.append('s1', encoder.encode([3, 4, 0.5, 5, 6, 0.5]))
    expect(receiver.views()).toEqual([
      {
        id: 's1',
        type: 'highlighter',
        ...ink,
        pressure: false,
        points: [1, 2, 0.5, 3, 4, 0.5, 5, 6, 0.5],
      },
    ])
    expect(sender.views()).toEqual(receiver.views())
    sender.end('s1')
    expect(receiver.views()).toEqual([])
    expect(sent.map((s) => s.append)).toEqual([false, true, false])
  })

  it('costs a few bytes per point while drawing', () => {
    const { sender, sent } = linked()
    const encoder = new PointEncoder({ pressure: false })
    sender.begin('abcdefghij', 'pen', ink, encoder.encode([100, 100, 0.5]))
    for (let i = 1; i < 50; i++)
      sender.append('abcdefghij', encoder.encode([100 + i * 3, 100 + i, 0.5]))
    // Appends are bare points (two one-byte varint deltas); the frame tag adds one byte on the
    // wire. The BEGIN message carries the id and style once.
    expect(sent.slice(1).map((s) => s.message.length)).toEqual(Array(49).fill(2))
    const bytes = sent.reduce((sum, { message }) => sum + message.length, 0)
    expect(bytes / 50).toBeLessThan(3)
  })

  it('appends to the latest stroke only; an older one names its handle', () => {
    const { sender, receiver, sent } = linked()
    const one = new PointEncoder({ pressure: false })
    const two = new PointEncoder({ pressure: false })
    sender.begin('s1', 'pen', ink, one.encode([1, 1, 0.5]))
    sender.begin('s2', 'pen', ink, two.encode([50, 50, 0.5]))
    sender.append('s1', one.encode([2, 2, 0.5]))
    sender.append('s2', two.encode([51, 51, 0.5]))
    expect(sent.map((s) => s.append)).toEqual([false, false, false, true])
    const points = (id: string) => receiver.views().find((v) => v.id === id)?.points
    expect(points('s1')).toEqual([1, 1, 0.5, 2, 2, 0.5])
    expect(points('s2')).toEqual([50, 50, 0.5, 51, 51, 0.5])
    // After the latest ends, nothing is "latest": appends to s1 keep naming it.
    sender.end('s2')
    sender.append('s1', one.encode([3, 3, 0.5]))
    expect(sent.at(-1)?.append).toBe(false)
    expect(points('s1')).toEqual([1, 1, 0.5, 2, 2, 0.5, 3, 3, 0.5])
    // A stray append (the receiver has no latest stroke for this peer) changes nothing.
    expect(receiver.receive('peer-a', new Uint8Array([4, 4]), true)).toBe(true)
    expect(points('s1')).toHaveLength(9)
  })

  it('commits without an END message, offering the points as a reference meanwhile', () => {
    const { sender, receiver, sent } = linked()
    const encoder = new PointEncoder({ pressure: false })
    const first = encoder.encode([1, 1, 0.5])
    const next = encoder.encode([2, 2, 0.5])
    sender.begin('s1', 'pen', ink, first)
    sender.append('s1', next)
    expect(sender.commitReference()).toBeNull()
    let offered: ReturnType<LiveStrokes['commitReference']> = null
    sender.commit('s1', () => (offered = sender.commitReference()))
    expect(offered).toEqual({ ref: 0, bytes: new Uint8Array([...first, ...next]) })
    expect(sender.commitReference()).toBeNull()
    expect(sender.views()).toEqual([])
    expect(sent).toHaveLength(2)
    // The receiver still holds the points until the committed shape arrives.
    expect(receiver.resolveReference('peer-a', 0)).toEqual(new Uint8Array([...first, ...next]))
    expect(receiver.resolveReference('peer-a', 1)).toBeNull()
    expect(receiver.resolveReference('someone-else', 0)).toBeNull()
    receiver.dropStroke('s1')
    expect(receiver.resolveReference('peer-a', 0)).toBeNull()
  })

  it('gives a newcomer the strokes in progress', () => {
    const sender = new LiveStrokes()
    sender.connect(() => {})
    const encoder = new PointEncoder({ pressure: true })
    sender.begin('s1', 'pen', ink, encoder.encode([1, 1, 0.2]))
    sender.append('s1', encoder.encode([2, 2, 0.4]))
    const late = new LiveStrokes()
    for (const message of sender.snapshot()) expect(late.receive('p', message)).toBe(true)
    expect(late.views()[0]?.points).toEqual(sender.views()[0]?.points)
  })

  it('ignores chunks of a stroke it never saw begin, and drops a peer’s strokes', () => {
    const { sender, receiver, sent } = linked()
    const encoder = new PointEncoder({ pressure: false })
    sender.begin('s1', 'pen', ink, encoder.encode([1, 1, 0.5]))
    sender.append('s1', encoder.encode([2, 2, 0.5]))
    const stranger = new LiveStrokes()
    expect(stranger.receive('p', sent[1]!.message, sent[1]!.append)).toBe(true)
    expect(stranger.views()).toEqual([])
    receiver.dropPeer('peer-a')
    expect(receiver.views()).toEqual([])
  })

  it('forgets strokes that stopped growing', () => {
    let now = 0
    const { sender, receiver } = linked(() => now)
    sender.begin('s1', 'pen', ink, new PointEncoder({ pressure: false }).encode([1, 1, 0.5]))
    now += STALE_MS - 1
    receiver.prune()
    expect(receiver.views()).toHaveLength(1)
    now += 2
    receiver.prune()
    expect(receiver.views()).toEqual([])
  })

  it('drops a committed stroke and caps a stroke’s size', () => {
    const { sender, receiver } = linked()
    const encoder = new PointEncoder({ pressure: false })
    sender.begin('s1', 'pen', ink, encoder.encode([1, 1, 0.5]))
    receiver.dropStroke('s1')
    expect(receiver.views()).toEqual([])

    const big = new Uint8Array(MAX_POINTS_BYTES)
    const sink = new LiveStrokes()
    let refused = 0
    const flood = new LiveStrokes()
    flood.connect((message, append) => {
      if (!sink.receive('f', message, append)) refused++
    })
    flood.begin('s3', 'pen', ink, new Uint8Array([0x10, 1, 1]))
    flood.append('s3', big)
    expect(refused).toBe(1)
    expect(sink.views()).toEqual([])
  })

  it('never throws on arbitrary bytes', () => {
    const receiver = new LiveStrokes()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, append) => {
        expect(typeof receiver.receive('x', bytes, append)).toBe('boolean')
        expect(() => receiver.views()).not.toThrow()
      }),
      { numRuns: 2000 },
    )
  })
})
