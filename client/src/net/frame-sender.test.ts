import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { FrameSender, HIGH_WATER_BYTES, type FrameTransport } from './frame-sender'
import {
  CHUNK_THRESHOLD,
  FRAME_AWARENESS,
  FRAME_CHUNK,
  FRAME_SYNC,
  Reassembler,
  encodeFrame,
  type Frame,
  type FrameType,
} from './frames'

/** A data channel stand-in: records what is sent; the test decides when the buffer drains. */
class FakeChannel implements FrameTransport {
  readonly sent: Uint8Array[] = []
  bufferedAmount = 0
  readonly drainListeners = new Set<() => void>()
  /** Sent bytes stay in the buffer (as on a slow link) until drain(). */
  accumulate = false
  fail: ((data: Uint8Array) => unknown) | null = null

  send(data: Uint8Array): void {
    if (this.fail) {
      const error = this.fail(data)
      if (error !== undefined) throw error
    }
    this.sent.push(data)
    if (this.accumulate) this.bufferedAmount += data.length
  }

  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener)
    return () => this.drainListeners.delete(listener)
  }

  drain(to = 0): void {
    this.bufferedAmount = to
    for (const listener of [...this.drainListeners]) listener()
  }
}

function frameOf(length: number, fill: number, type: FrameType = FRAME_SYNC): Uint8Array {
  return encodeFrame(type, new Uint8Array(Math.max(0, length - 1)).fill(fill))
}

function reassemble(messages: readonly Uint8Array[]): Frame[] {
  const reassembler = new Reassembler()
  const frames: Frame[] = []
  for (const message of messages) {
    const result = reassembler.push(message)
    if (result.kind === 'error') throw new Error(result.reason)
    if (result.kind === 'frame') frames.push(result.frame)
  }
  expect(reassembler.pendingMessages).toBe(0)
  return frames
}

/** Vitest's deep equality is slow on large typed arrays. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const noError = (error: Error) => {
  throw error
}

describe('FrameSender', () => {
  it('sends small frames at once and unchanged', () => {
    const channel = new FakeChannel()
    const sender = new FrameSender(channel, noError)
    const a = frameOf(10, 1)
    const b = frameOf(CHUNK_THRESHOLD, 2, FRAME_AWARENESS)
    sender.send(a)
    expect(channel.sent).toEqual([a])
    sender.send(b)
    expect(channel.sent).toEqual([a, b])
    expect(sender.queuedMessages).toBe(0)
    expect(channel.drainListeners.size).toBe(0)
  })

  it('chunks large frames and they reassemble', () => {
    const channel = new FakeChannel()
    const sender = new FrameSender(channel, noError)
    const big = frameOf(5 * CHUNK_THRESHOLD + 7, 9)
    sender.send(big)
    expect(channel.sent).toHaveLength(6)
    for (const message of channel.sent) {
      expect(message[0]).toBe(FRAME_CHUNK)
      expect(message.length).toBeLessThanOrEqual(CHUNK_THRESHOLD + 16)
    }
    const [frame] = reassemble(channel.sent)
    expect(sameBytes(frame?.payload, big.subarray(1))).toBe(true)
  })

  it('gives each large frame its own message id', () => {
    const channel = new FakeChannel()
    const sender = new FrameSender(channel, noError)
    const first = frameOf(2 * CHUNK_THRESHOLD, 1)
    const second = frameOf(2 * CHUNK_THRESHOLD, 2)
    sender.send(first)
    sender.send(second)
    // Interleave the two messages' chunks: only distinct ids make that reassemble.
    const [a0, a1, b0, b1] = channel.sent
    const frames = reassemble([a0!, b0!, a1!, b1!])
    expect(frames.map((frame) => frame.payload[0])).toEqual([1, 2])
  })

  it('sends nothing while the buffer is above high water, and resumes on drain', () => {
    const channel = new FakeChannel()
    const sender = new FrameSender(channel, noError)
    channel.bufferedAmount = HIGH_WATER_BYTES + 1
    const a = frameOf(100, 1)
    const b = frameOf(3 * CHUNK_THRESHOLD, 2)
    sender.send(a)
    sender.send(b)
    expect(channel.sent).toHaveLength(0)
    expect(sender.queuedMessages).toBe(4)
    expect(channel.drainListeners.size).toBe(1)

    // A drain event that leaves the buffer above high water sends nothing and waits again.
    channel.drain(HIGH_WATER_BYTES + 1)
    expect(channel.sent).toHaveLength(0)
    expect(channel.drainListeners.size).toBe(1)

    channel.drain(HIGH_WATER_BYTES)
    expect(channel.sent).toHaveLength(4)
    expect(channel.sent[0]).toBe(a)
    expect(sender.queuedMessages).toBe(0)
    expect(channel.drainListeners.size).toBe(0)
    expect(reassemble(channel.sent).map((frame) => frame.payload[0])).toEqual([1, 2])
  })

  it('pauses a large message as the buffer fills and finishes it over several drains', () => {
    const channel = new FakeChannel()
    channel.accumulate = true
    const highWater = 3 * CHUNK_THRESHOLD
    const sender = new FrameSender(channel, noError, highWater)
    const big = frameOf(20 * CHUNK_THRESHOLD, 5)
    sender.send(big)
    expect(channel.sent.length).toBeGreaterThan(0)
    expect(channel.sent.length).toBeLessThan(20)
    expect(channel.bufferedAmount).toBeGreaterThan(highWater)
    let drains = 0
    while (sender.queuedMessages > 0) {
      const before = channel.sent.length
      channel.drain()
      drains++
      expect(channel.sent.length).toBeGreaterThan(before)
      expect(drains).toBeLessThan(20)
    }
    expect(drains).toBeGreaterThan(1)
    expect(channel.sent).toHaveLength(20)
    expect(sameBytes(reassemble(channel.sent)[0]?.payload, big.subarray(1))).toBe(true)
  })

  it('lets small frames overtake the remaining chunks of a large message', () => {
    const channel = new FakeChannel()
    channel.accumulate = true
    const sender = new FrameSender(channel, noError, 2 * CHUNK_THRESHOLD)
    const big = frameOf(10 * CHUNK_THRESHOLD, 7)
    sender.send(big)
    const chunksBefore = channel.sent.length
    expect(chunksBefore).toBeLessThan(10)

    const cursor1 = frameOf(20, 1, FRAME_AWARENESS)
    const cursor2 = frameOf(30, 2, FRAME_AWARENESS)
    sender.send(cursor1)
    sender.send(cursor2)
    expect(channel.sent).toHaveLength(chunksBefore)

    channel.drain()
    expect(channel.sent[chunksBefore]).toBe(cursor1)
    expect(channel.sent[chunksBefore + 1]).toBe(cursor2)
    while (sender.queuedMessages > 0) channel.drain()

    const frames = reassemble(channel.sent)
    expect(frames.map((frame) => frame.type)).toEqual([
      FRAME_AWARENESS,
      FRAME_AWARENESS,
      FRAME_SYNC,
    ])
    expect(sameBytes(frames[2]?.payload, big.subarray(1))).toBe(true)
  })

  it('reports a throwing send() through onError and drops everything after it', () => {
    const channel = new FakeChannel()
    channel.accumulate = true
    const boom = new Error('RTCDataChannel send queue is full')
    let calls = 0
    channel.fail = () => (++calls === 2 ? boom : undefined)
    const onError = vi.fn<(error: Error) => void>()
    const sender = new FrameSender(channel, onError)
    sender.send(frameOf(10, 1))
    sender.send(frameOf(10, 2))
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError).toHaveBeenCalledWith(boom)
    expect(channel.sent).toHaveLength(1)
    expect(sender.stats.messages).toBe(1)

    channel.fail = null
    sender.send(frameOf(10, 3))
    sender.send(frameOf(3 * CHUNK_THRESHOLD, 4))
    expect(channel.sent).toHaveLength(1)
    expect(sender.queuedMessages).toBe(0)
    expect(onError).toHaveBeenCalledTimes(1)
  })

  it('fails a large message mid-way without sending the rest, and stops waiting for drain', () => {
    const channel = new FakeChannel()
    channel.bufferedAmount = 2 * HIGH_WATER_BYTES
    const onError = vi.fn<(error: Error) => void>()
    const sender = new FrameSender(channel, onError)
    sender.send(frameOf(4 * CHUNK_THRESHOLD, 1))
    expect(channel.drainListeners.size).toBe(1)
    let calls = 0
    channel.fail = () => (++calls === 2 ? 'closed' : undefined)
    channel.drain()
    expect(channel.sent).toHaveLength(1)
    expect(onError).toHaveBeenCalledTimes(1)
    const error = onError.mock.calls[0]![0]
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe('closed')
    expect(sender.queuedMessages).toBe(0)
    expect(channel.drainListeners.size).toBe(0)
  })

  it('close() drops the queue and unsubscribes from drain', () => {
    const channel = new FakeChannel()
    channel.bufferedAmount = HIGH_WATER_BYTES + 1
    const sender = new FrameSender(channel, noError)
    sender.send(frameOf(10, 1))
    sender.close()
    expect(sender.queuedMessages).toBe(0)
    expect(channel.drainListeners.size).toBe(0)
    channel.drain()
    sender.send(frameOf(10, 2))
    expect(channel.sent).toHaveLength(0)
  })

  it('counts frames, messages and bytes', () => {
    const channel = new FakeChannel()
    const sender = new FrameSender(channel, noError)
    const small = frameOf(100, 1)
    const big = frameOf(3 * CHUNK_THRESHOLD + 1, 2)
    sender.send(small)
    sender.send(big)
    const sentBytes = channel.sent.reduce((sum, message) => sum + message.length, 0)
    expect(sender.stats).toEqual({ frames: 2, messages: 5, bytes: sentBytes })
    expect(sentBytes).toBeGreaterThan(small.length + big.length)
  })

  it('counts only what actually left while blocked', () => {
    const channel = new FakeChannel()
    channel.bufferedAmount = HIGH_WATER_BYTES + 1
    const sender = new FrameSender(channel, noError)
    sender.send(frameOf(100, 1))
    expect(sender.stats).toEqual({ frames: 1, messages: 0, bytes: 0 })
    channel.drain()
    expect(sender.stats).toEqual({ frames: 1, messages: 1, bytes: 100 })
  })

  it('delivers every frame under random sends and drains, small ones and large ones in order', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), length: fc.integer({ min: 2, max: 200 }) }),
      fc.record({
        kind: fc.constant('send' as const),
        length: fc.integer({ min: CHUNK_THRESHOLD + 1, max: 6 * CHUNK_THRESHOLD }),
      }),
      fc.record({ kind: fc.constant('drain' as const), length: fc.constant(0) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const channel = new FakeChannel()
        channel.accumulate = true
        const sender = new FrameSender(channel, noError, 2 * CHUNK_THRESHOLD)
        const small: number[] = []
        const large: number[] = []
        let maxBuffered = 0
        ops.forEach(({ kind, length }, index) => {
          if (kind === 'drain') return channel.drain()
          const frame = frameOf(length, index)
          ;(length <= CHUNK_THRESHOLD ? small : large).push(index)
          sender.send(frame)
          // It stops at high water: at most one message beyond it is ever handed over.
          maxBuffered = Math.max(maxBuffered, channel.bufferedAmount)
        })
        expect(maxBuffered).toBeLessThanOrEqual(3 * CHUNK_THRESHOLD + 16)
        while (sender.queuedMessages > 0) channel.drain()
        const frames = reassemble(channel.sent)
        const tags = frames.map((frame) => (frame.payload[0] ?? -1) & 0xff)
        const isSmall = frames.map((frame) => frame.payload.length + 1 <= CHUNK_THRESHOLD)
        expect(tags.filter((_, i) => isSmall[i])).toEqual(small.map((i) => i & 0xff))
        expect(tags.filter((_, i) => !isSmall[i])).toEqual(large.map((i) => i & 0xff))
        expect(sender.stats.frames).toBe(small.length + large.length)
        expect(sender.stats.messages).toBe(channel.sent.length)
      }),
      { numRuns: 500 },
    )
  }, 30_000)
})
