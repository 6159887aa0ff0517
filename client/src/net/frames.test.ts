import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import {
  CHUNK_THRESHOLD,
  FRAME_AWARENESS,
  FRAME_AWARENESS_QUERY,
  FRAME_CHUNK,
  FRAME_LIVE,
  FRAME_LIVE_APPEND,
  FRAME_SYNC,
  FRAME_SYNC_REF,
  FrameError,
  MAX_MESSAGE_BYTES,
  MAX_PARTIAL_MESSAGES,
  Reassembler,
  decodeFrame,
  encodeFrame,
  splitFrame,
  type FrameType,
  type ReassemblyResult,
} from './frames'

/** Tag byte plus three varUints (message id, index, count) of at most 5 bytes each. */
const MAX_CHUNK_HEADER = 16

const frameType = fc.constantFrom<FrameType>(FRAME_SYNC, FRAME_AWARENESS)

/** Bytes from a cheap PRNG: generating 200 KiB byte by byte with fast-check would be slow. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let state = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[i] = state & 0xff
  }
  return bytes
}

const boundaryLengths = [
  0,
  1,
  CHUNK_THRESHOLD - 2,
  CHUNK_THRESHOLD - 1,
  CHUNK_THRESHOLD,
  CHUNK_THRESHOLD + 1,
  2 * CHUNK_THRESHOLD - 1,
  2 * CHUNK_THRESHOLD,
  2 * CHUNK_THRESHOLD + 1,
  200 * 1024,
]

/** Payload lengths 0..200 KiB, biased towards the chunk boundaries. */
function payloadArb(maxLength: number): fc.Arbitrary<Uint8Array> {
  const length = fc.oneof(
    fc.integer({ min: 0, max: maxLength }),
    fc.constantFrom(...boundaryLengths.filter((n) => n <= maxLength)),
  )
  return fc.tuple(length, fc.integer()).map(([n, seed]) => pseudoRandomBytes(n, seed))
}

function chunk(id: number, index: number, count: number, data: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, FRAME_CHUNK)
  encoding.writeVarUint(encoder, id)
  encoding.writeVarUint(encoder, index)
  encoding.writeVarUint(encoder, count)
  encoding.writeUint8Array(encoder, data)
  return encoding.toUint8Array(encoder)
}

function readChunkHeader(bytes: Uint8Array) {
  const decoder = decoding.createDecoder(bytes)
  const tag = decoding.readUint8(decoder)
  const id = decoding.readVarUint(decoder)
  const index = decoding.readVarUint(decoder)
  const count = decoding.readVarUint(decoder)
  return { tag, id, index, count, data: bytes.subarray(decoder.pos) }
}

function expectFrame(result: ReassemblyResult, type: FrameType, payload: Uint8Array): void {
  expect(result.kind).toBe('frame')
  if (result.kind !== 'frame') return
  expect(result.frame.type).toBe(type)
  expect(firstDifference(result.frame.payload, payload)).toBe(-1)
}

/** -1 when equal; vitest's deep equality is far too slow for 200 KiB arrays in a property. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : length
}

function expectError(result: ReassemblyResult, reason: RegExp): void {
  expect(result.kind).toBe('error')
  if (result.kind === 'error') expect(result.reason).toMatch(reason)
}

const bigFrame = (chunks: number, seed = 1) =>
  encodeFrame(FRAME_SYNC, pseudoRandomBytes(chunks * CHUNK_THRESHOLD - 1, seed))

describe('encodeFrame / decodeFrame', () => {
  it('round-trips type and payload', () => {
    fc.assert(
      fc.property(frameType, fc.uint8Array({ maxLength: 2048 }), (type, payload) => {
        const bytes = encodeFrame(type, payload)
        expect(bytes.length).toBe(payload.length + 1)
        expect(bytes[0]).toBe(type)
        const frame = decodeFrame(bytes)
        expect(frame.type).toBe(type)
        expect(frame.payload).toEqual(payload)
      }),
      { numRuns: 1000 },
    )
  })

  it('rejects unknown frame types and empty input', () => {
    expect(() => decodeFrame(new Uint8Array([7, 1, 2]))).toThrow(FrameError)
    expect(() => decodeFrame(new Uint8Array([FRAME_CHUNK, 0]))).toThrow(/unknown frame type 2/)
    expect(() => decodeFrame(new Uint8Array([255]))).toThrow(FrameError)
    expect(() => decodeFrame(new Uint8Array(0))).toThrow(FrameError)
  })
})

describe('splitFrame + Reassembler', () => {
  it('sends frames up to the threshold whole', () => {
    const frame = encodeFrame(FRAME_SYNC, new Uint8Array(CHUNK_THRESHOLD - 1))
    expect(frame.length).toBe(CHUNK_THRESHOLD)
    const parts = splitFrame(frame, 3)
    expect(parts).toHaveLength(1)
    expect(parts[0]).toBe(frame)
  })

  it('round-trips arbitrary frames of 0..200 KiB through bounded chunks', () => {
    fc.assert(
      fc.property(
        frameType,
        payloadArb(200 * 1024),
        fc.nat({ max: 2 ** 31 }),
        (type, payload, messageId) => {
          const frame = encodeFrame(type, payload)
          const parts = splitFrame(frame, messageId)
          const expectedCount =
            frame.length <= CHUNK_THRESHOLD ? 1 : Math.ceil(frame.length / CHUNK_THRESHOLD)
          expect(parts).toHaveLength(expectedCount)
          if (parts.length > 1) {
            parts.forEach((part, index) => {
              expect(part.length).toBeLessThanOrEqual(CHUNK_THRESHOLD + MAX_CHUNK_HEADER)
              const header = readChunkHeader(part)
              expect(header).toMatchObject({ tag: FRAME_CHUNK, id: messageId, index })
              expect(header.count).toBe(parts.length)
              if (index < parts.length - 1) expect(header.data.length).toBe(CHUNK_THRESHOLD)
            })
          }
          const reassembler = new Reassembler()
          parts.forEach((part, index) => {
            const result = reassembler.push(part)
            if (index < parts.length - 1) expect(result).toEqual({ kind: 'partial' })
            else expectFrame(result, type, payload)
          })
          expect(reassembler.pendingMessages).toBe(0)
        },
      ),
      { numRuns: 500 },
    )
  }, 30_000)

  it('reassembles interleaved chunks of several messages', () => {
    const messages = fc.array(fc.tuple(frameType, payloadArb(80 * 1024)), {
      minLength: 1,
      maxLength: MAX_PARTIAL_MESSAGES,
    })
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 200 }), (inputs, picks) => {
        const queues = inputs.map(([type, payload], id) =>
          splitFrame(encodeFrame(type, payload), id),
        )
        const received: { id: number; result: ReassemblyResult }[] = []
        const reassembler = new Reassembler()
        let step = 0
        for (;;) {
          const open = queues.map((queue, id) => ({ queue, id })).filter((q) => q.queue.length)
          if (open.length === 0) break
          const pick = open[(picks[step++ % Math.max(1, picks.length)] ?? 0) % open.length]!
          const result = reassembler.push(pick.queue.shift()!)
          expect(result.kind).not.toBe('error')
          if (result.kind === 'frame') received.push({ id: pick.id, result })
        }
        expect(received).toHaveLength(inputs.length)
        for (const { id, result } of received) {
          const [type, payload] = inputs[id]!
          expectFrame(result, type, payload)
        }
        expect(reassembler.pendingMessages).toBe(0)
      }),
      { numRuns: 300 },
    )
  }, 30_000)

  it('lets whole frames pass between the chunks of a message', () => {
    const reassembler = new Reassembler()
    const big = bigFrame(3)
    const [first, second, third] = splitFrame(big, 9)
    expect(reassembler.push(first!)).toEqual({ kind: 'partial' })
    const small = new Uint8Array([4, 2])
    expectFrame(reassembler.push(encodeFrame(FRAME_AWARENESS, small)), FRAME_AWARENESS, small)
    expect(reassembler.push(second!)).toEqual({ kind: 'partial' })
    expectFrame(reassembler.push(third!), FRAME_SYNC, big.subarray(1))
  })
})

describe('Reassembler errors', () => {
  it('refuses an empty message and unknown frame types', () => {
    const reassembler = new Reassembler()
    expectError(reassembler.push(new Uint8Array(0)), /empty/)
    expectError(reassembler.push(new Uint8Array([9, 1, 2])), /unknown frame type 9/)
  })

  it('drops a message with a gap in its chunk indexes', () => {
    const reassembler = new Reassembler()
    const [c0, c1, c2] = splitFrame(bigFrame(3), 5)
    expect(reassembler.push(c0!)).toEqual({ kind: 'partial' })
    expectError(reassembler.push(c2!), /out of order/)
    expect(reassembler.pendingMessages).toBe(0)
    // The rest of the broken message cannot resume it.
    expectError(reassembler.push(c1!), /starts at chunk 1/)
    expectError(reassembler.push(c2!), /starts at chunk 2/)
    expect(reassembler.pendingMessages).toBe(0)
  })

  it('drops a message whose chunk repeats', () => {
    const reassembler = new Reassembler()
    const [c0, c1] = splitFrame(bigFrame(3), 5)
    reassembler.push(c0!)
    reassembler.push(c1!)
    expectError(reassembler.push(c1!), /out of order/)
    expect(reassembler.pendingMessages).toBe(0)
  })

  it('drops a message whose chunk count changes', () => {
    const reassembler = new Reassembler()
    const data = new Uint8Array(CHUNK_THRESHOLD).fill(1)
    expect(reassembler.push(chunk(4, 0, 3, data))).toEqual({ kind: 'partial' })
    expectError(reassembler.push(chunk(4, 1, 2, data)), /out of order/)
    expect(reassembler.pendingMessages).toBe(0)
  })

  it('refuses a message that starts mid-way', () => {
    const reassembler = new Reassembler()
    const [, c1, c2] = splitFrame(bigFrame(3), 0)
    expectError(reassembler.push(c1!), /starts at chunk 1/)
    expectError(reassembler.push(c2!), /starts at chunk 2/)
    expect(reassembler.pendingMessages).toBe(0)
  })

  it('recovers after an error: a later message with the same id reassembles', () => {
    const reassembler = new Reassembler()
    const broken = splitFrame(bigFrame(3, 1), 2)
    reassembler.push(broken[0]!)
    reassembler.push(broken[2]!)
    const frame = bigFrame(2, 7)
    const parts = splitFrame(frame, 2)
    expect(reassembler.push(parts[0]!)).toEqual({ kind: 'partial' })
    expectFrame(reassembler.push(parts[1]!), FRAME_SYNC, frame.subarray(1))
  })

  it(`refuses more than ${MAX_PARTIAL_MESSAGES} interleaved messages`, () => {
    const reassembler = new Reassembler()
    const messages = Array.from({ length: MAX_PARTIAL_MESSAGES + 1 }, (_, id) =>
      splitFrame(bigFrame(2, id + 1), id),
    )
    for (const parts of messages.slice(0, MAX_PARTIAL_MESSAGES)) {
      expect(reassembler.push(parts[0]!)).toEqual({ kind: 'partial' })
    }
    expect(reassembler.pendingMessages).toBe(MAX_PARTIAL_MESSAGES)
    expectError(reassembler.push(messages[MAX_PARTIAL_MESSAGES]![0]!), /too many/)
    expect(reassembler.pendingMessages).toBe(MAX_PARTIAL_MESSAGES)
    // The messages already under way are unharmed.
    messages.slice(0, MAX_PARTIAL_MESSAGES).forEach((parts, id) => {
      expectFrame(reassembler.push(parts[1]!), FRAME_SYNC, bigFrame(2, id + 1).subarray(1))
    })
    expect(reassembler.pendingMessages).toBe(0)
  })

  it('refuses chunk counts beyond MAX_MESSAGE_BYTES', () => {
    const maxCount = Math.ceil(MAX_MESSAGE_BYTES / CHUNK_THRESHOLD)
    const data = new Uint8Array(CHUNK_THRESHOLD)
    const reassembler = new Reassembler()
    expectError(reassembler.push(chunk(1, 0, maxCount + 1, data)), /out of range/)
    expectError(reassembler.push(chunk(1, 0, 2 ** 40, data)), /out of range/)
    expect(reassembler.pendingMessages).toBe(0)
    // The largest allowed count is accepted.
    expect(reassembler.push(chunk(1, 0, maxCount, data))).toEqual({ kind: 'partial' })
  })

  it('refuses malformed chunk headers and sizes', () => {
    const reassembler = new Reassembler()
    const data = new Uint8Array(10).fill(3)
    expectError(reassembler.push(chunk(1, 0, 1, data)), /out of range/)
    expectError(reassembler.push(chunk(1, 0, 0, data)), /out of range/)
    expectError(reassembler.push(chunk(1, 2, 2, data)), /out of range/)
    expectError(reassembler.push(chunk(1, 0, 2, new Uint8Array(0))), /chunk of 0 bytes/)
    expectError(reassembler.push(chunk(1, 0, 2, new Uint8Array(CHUNK_THRESHOLD + 1))), /chunk of/)
    expectError(reassembler.push(new Uint8Array([FRAME_CHUNK])), /bad chunk header/)
    expectError(reassembler.push(new Uint8Array([FRAME_CHUNK, 0x80, 0x80])), /bad chunk header/)
    expect(reassembler.pendingMessages).toBe(0)
  })

  it('refuses a reassembled message that is not a known frame', () => {
    const reassembler = new Reassembler()
    const inner = new Uint8Array(CHUNK_THRESHOLD + 1).fill(7)
    expect(reassembler.push(chunk(0, 0, 2, inner.subarray(0, CHUNK_THRESHOLD)))).toEqual({
      kind: 'partial',
    })
    expectError(reassembler.push(chunk(0, 1, 2, inner.subarray(CHUNK_THRESHOLD))), /unknown/)
  })

  it('never throws on arbitrary input and always answers with one of three kinds', () => {
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc
        .tuple(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 64 }))
        .map(([header, rest]) => Uint8Array.from([FRAME_CHUNK, ...header, ...rest])),
      fc
        .tuple(
          fc.nat({ max: 10 }),
          fc.nat({ max: 4 }),
          fc.nat({ max: 4 }),
          fc.uint8Array({ maxLength: 32 }),
        )
        .map(([id, index, count, data]) => chunk(id, index, count, data)),
    )
    fc.assert(
      fc.property(fc.array(message, { maxLength: 40 }), (messages) => {
        const reassembler = new Reassembler()
        for (const bytes of messages) {
          const result = reassembler.push(bytes)
          expect(['frame', 'partial', 'error']).toContain(result.kind)
          if (result.kind === 'frame')
            expect([
              FRAME_SYNC,
              FRAME_AWARENESS,
              FRAME_AWARENESS_QUERY,
              FRAME_LIVE,
              FRAME_LIVE_APPEND,
              FRAME_SYNC_REF,
            ]).toContain(result.frame.type)
          if (result.kind === 'error') expect(typeof result.reason).toBe('string')
          expect(reassembler.pendingMessages).toBeLessThanOrEqual(MAX_PARTIAL_MESSAGES)
        }
      }),
      { numRuns: 2000 },
    )
  }, 30_000)
})
