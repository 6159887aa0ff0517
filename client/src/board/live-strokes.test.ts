import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LiveStrokes, STALE_MS } from './live-strokes'
import { PointEncoder } from './points'
import { MAX_POINTS_BYTES, type ShapeStyle } from './shapes'

const ink: ShapeStyle = { color: '#1e1e1e', size: 4, fill: null }

function linked(now: () => number = Date.now) {
  const sender = new LiveStrokes(now)
  const receiver = new LiveStrokes(now)
  const sent: Uint8Array[] = []
  sender.connect((message) => {
    sent.push(message)
    expect(receiver.receive('peer-a', message)).toBe(true)
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
    expect(sent).toHaveLength(3)
  })

  it('costs a few bytes per point while drawing', () => {
    const { sender, sent } = linked()
    const encoder = new PointEncoder({ pressure: false })
    sender.begin('abcdefghij', 'pen', ink, encoder.encode([100, 100, 0.5]))
    for (let i = 1; i < 50; i++)
      sender.append('abcdefghij', encoder.encode([100 + i * 3, 100 + i, 0.5]))
    const bytes = sent.reduce((sum, message) => sum + message.length, 0)
    // Per point: two one-byte varint deltas plus a two-byte header (kind, handle); the BEGIN
    // message carries the id and style once.
    expect(bytes / 50).toBeLessThan(5)
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
    expect(stranger.receive('p', sent[1]!)).toBe(true)
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
    flood.connect((message) => {
      if (!sink.receive('f', message)) refused++
    })
    flood.begin('s3', 'pen', ink, new Uint8Array([0x10, 1, 1]))
    flood.append('s3', big)
    expect(refused).toBe(1)
    expect(sink.views()).toEqual([])
  })

  it('never throws on arbitrary bytes', () => {
    const receiver = new LiveStrokes()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof receiver.receive('x', bytes)).toBe('boolean')
        expect(() => receiver.views()).not.toThrow()
      }),
      { numRuns: 2000 },
    )
  })
})
