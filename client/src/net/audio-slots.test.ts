import { describe, expect, it } from 'vitest'
import { AudioSlots } from './audio-slots'
import type { Timers } from './mesh'

function fakeTimers() {
  let now = 0
  const pending: { at: number; fn: () => void; handle: number }[] = []
  let next = 1
  const timers: Timers = {
    setTimeout(fn, ms) {
      const handle = next++
      pending.push({ at: now + ms, fn, handle })
      return handle
    },
    clearTimeout(handle) {
      const index = pending.findIndex((timer) => timer.handle === handle)
      if (index >= 0) pending.splice(index, 1)
    },
  }
  const advance = (ms: number) => {
    now += ms
    for (const timer of pending.filter((t) => t.at <= now)) {
      pending.splice(pending.indexOf(timer), 1)
      timer.fn()
    }
  }
  return { timers, advance, pending }
}

function setup(quietMs = 3000, maxWaitMs = 15_000) {
  const clock = fakeTimers()
  const state = { busy: false, wanted: new Set<string>() }
  const prepared: string[] = []
  const slots = new AudioSlots({
    prepare: (peerId) => prepared.push(peerId),
    busy: () => state.busy,
    wanted: (peerId) => state.wanted.has(peerId),
    timers: clock.timers,
    quietMs,
    maxWaitMs,
  })
  return { slots, state, prepared, clock }
}

describe('AudioSlots', () => {
  it('negotiates a synced link once the room has been quiet for quietMs', () => {
    const { slots, prepared, clock } = setup(3000)
    slots.synced('a')
    clock.advance(2999)
    expect(prepared).toEqual([])
    clock.advance(1)
    expect(prepared).toEqual(['a'])
    expect(clock.pending).toHaveLength(0)
  })

  it('starts the quiet period over whenever a peer is connecting or syncing again', () => {
    const { slots, state, prepared, clock } = setup(3000)
    slots.synced('a')
    clock.advance(2000)
    state.busy = true
    slots.settle()
    clock.advance(5000)
    expect(prepared).toEqual([])
    state.busy = false
    slots.synced('b')
    clock.advance(2999)
    expect(prepared).toEqual([])
    clock.advance(1)
    expect(prepared).toEqual(['a', 'b'])
    expect(clock.pending).toHaveLength(0)
    // Nothing waits twice.
    slots.settle()
    clock.advance(10_000)
    expect(prepared).toEqual(['a', 'b'])
  })

  it('does not negotiate at the end of a quiet period that turned busy unannounced', () => {
    const { slots, state, prepared, clock } = setup(3000)
    slots.synced('a')
    state.busy = true
    clock.advance(3000)
    expect(prepared).toEqual([])
    state.busy = false
    slots.settle()
    clock.advance(3000)
    expect(prepared).toEqual(['a'])
  })

  it('negotiates at once a link on which voice is wanted, busy room or not', () => {
    const { slots, state, prepared, clock } = setup(3000)
    state.busy = true
    state.wanted.add('b')
    slots.synced('a')
    slots.synced('b')
    expect(prepared).toEqual(['b'])
    // Someone joins voice later: their waiting link goes with the next settle.
    state.wanted.add('a')
    slots.settle()
    expect(prepared).toEqual(['b', 'a'])
    expect(clock.pending).toHaveLength(0)
  })

  it('waits at most maxWaitMs for a room that never settles', () => {
    const { slots, state, prepared, clock } = setup(3000, 15_000)
    state.busy = true
    slots.synced('a')
    clock.advance(10_000)
    slots.synced('b')
    clock.advance(4999)
    expect(prepared).toEqual([])
    clock.advance(1)
    expect(prepared).toEqual(['a', 'b'])
    // A later link starts a new wait of its own.
    slots.synced('c')
    clock.advance(14_999)
    expect(prepared).toEqual(['a', 'b'])
    clock.advance(1)
    expect(prepared).toEqual(['a', 'b', 'c'])
  })

  it('drops a waiting link that closed, and its timers with the last one', () => {
    const { slots, state, prepared, clock } = setup()
    state.busy = true
    slots.synced('a')
    slots.synced('b')
    slots.forget('a')
    slots.flush()
    expect(prepared).toEqual(['b'])
    slots.synced('c')
    slots.forget('c')
    expect(clock.pending).toHaveLength(0)
  })
})
