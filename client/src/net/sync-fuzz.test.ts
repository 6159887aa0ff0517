/**
 * Fuzzing the receive path a hostile peer reaches: frames, chunk reassembly and DocSync with
 * arbitrary bytes and mutated valid updates. Nothing may throw out of it, and a refused
 * message must leave the document exactly as it was (Y.applyUpdate is not atomic).
 */
import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { Awareness } from 'y-protocols/awareness'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DocSync, type SyncLink } from './doc-sync'
import { FRAME_CHUNK, FRAME_SYNC, Reassembler, decodeFrame, splitFrame } from './frames'

const SEED = 20261124

const base = new Y.Doc()
base.getMap('shapes').set('keep', { g: { type: 'rect', w: 10, h: 10 }, z: 1 })
base.getText('t').insert(0, 'base')
const baseUpdate = Y.encodeStateAsUpdate(base)

function victim() {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, baseUpdate)
  const awareness = new Awareness(doc)
  const warnings: string[] = []
  const sync = new DocSync(doc, awareness, { onWarning: (_, reason) => warnings.push(reason) })
  const closed: string[] = []
  const link: SyncLink = { peerId: 'h', send: () => undefined, close: (r) => closed.push(r) }
  const peer = sync.addPeer(link)
  const snapshot = () => Y.encodeStateAsUpdate(doc)
  return { doc, peer, warnings, closed, snapshot }
}

/** Valid updates from another replica that shares the victim's history. */
function updatesFrom(base: Y.Doc): Uint8Array[] {
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(base))
  const updates: Uint8Array[] = []
  other.on('update', (update: Uint8Array) => updates.push(update))
  other.getMap('shapes').set('a', { g: { type: 'ellipse', w: 3, h: 4 }, z: 2 })
  other.getText('t').insert(2, 'hello ')
  other.getText('t').delete(0, 1)
  other.getArray('l').push([1, 'two', { three: new Uint8Array([3]) }])
  other.getMap('shapes').delete('keep')
  other.transact(() => {
    for (let i = 0; i < 5; i++) other.getMap('shapes').set(`s${i}`, { z: i, x: i * 1.5 })
  })
  updates.push(Y.encodeStateAsUpdate(other, Y.encodeStateVector(base)))
  return updates
}

function updatePayload(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

const mutation = fc.record({
  which: fc.nat(),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 3,
  }),
  cut: fc.option(fc.nat(), { nil: undefined }),
})

describe('fuzz: frame decoder and reassembly', () => {
  it('never throws from decodeFrame except FrameError, for 5,000 inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeFrame(bytes)
        } catch (error) {
          expect((error as Error).name).toBe('FrameError')
        }
      }),
      { numRuns: 5000, seed: SEED },
    )
  }, 60_000)

  it('answers every chunk stream, valid or mangled, without throwing (5,000 streams)', () => {
    const frame = new Uint8Array(50_000).map((_, i) => (i * 7) & 255)
    frame[0] = FRAME_SYNC
    const chunks = splitFrame(frame, 1)
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(...chunks),
            fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.of(FRAME_CHUNK, ...b)),
            fc.uint8Array({ maxLength: 40 }),
          ),
          { maxLength: 12 },
        ),
        (stream) => {
          const reassembler = new Reassembler()
          for (const message of stream) {
            const result = reassembler.push(message)
            expect(['frame', 'partial', 'error']).toContain(result.kind)
            if (result.kind === 'frame' && result.frame.payload.length > 1000) {
              expect(result.frame.payload).toEqual(frame.subarray(1))
            }
          }
          expect(reassembler.pendingMessages).toBeLessThanOrEqual(8)
        },
      ),
      { numRuns: 5000, seed: SEED },
    )
  }, 60_000)
})

describe('fuzz: DocSync receive path', () => {
  it('survives 5,000 arbitrary sync and awareness payloads with the document intact', () => {
    const { doc, peer, snapshot } = victim()
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.uint8Array({ maxLength: 128 }), (t, bytes) => {
        const before = snapshot()
        const vector = Y.encodeStateVector(doc)
        const strikes = peer.strikes
        peer.receive({ type: t === 0 ? FRAME_SYNC : 1, payload: bytes })
        if (peer.strikes > strikes) {
          expect(Y.encodeStateVector(doc)).toEqual(vector)
          expect(snapshot()).toEqual(before)
        }
      }),
      { numRuns: 5000, seed: SEED },
    )
  }, 60_000)

  it('refuses mutated updates without a partial application (10,000 mutations)', () => {
    const updates = updatesFrom(base)
    let refused = 0
    let applied = 0
    let partial = 0
    let partialWithoutPrecheck = 0
    fc.assert(
      fc.property(mutation, ({ which, edits, cut }) => {
        const { doc, peer, snapshot } = victim()
        const update = updates[which % updates.length]!.slice()
        for (const [at, value] of edits) update[at % update.length] = value
        const mutated = cut === undefined ? update : update.subarray(0, cut % update.length)
        const before = snapshot()
        peer.receive({ type: FRAME_SYNC, payload: updatePayload(mutated) })
        if (peer.strikes === 0) {
          applied++
          // Accepted: still a consistent document that round-trips through an encoding.
          const copy = new Y.Doc()
          Y.applyUpdate(copy, snapshot())
          expect(copy.getText('t').toString()).toBe(doc.getText('t').toString())
          expect(copy.getMap('shapes').toJSON()).toEqual(doc.getMap('shapes').toJSON())
          return
        }
        refused++
        if (!sameBytes(snapshot(), before)) partial++
        // What the same bytes would have done without the precheck, for the record.
        const raw = victim().doc
        try {
          Y.applyUpdate(raw, mutated)
        } catch {
          if (!sameBytes(Y.encodeStateAsUpdate(raw), before)) partialWithoutPrecheck++
        }
      }),
      { numRuns: 10_000, seed: SEED },
    )
    console.info(
      `mutated updates: ${refused} refused, ${applied} applied, ${partial} partly applied ` +
        `(${partialWithoutPrecheck} would have without the Y.decodeUpdate precheck)`,
    )
    expect(partial).toBe(0)
  }, 120_000)
})

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
