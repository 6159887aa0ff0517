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

function setup(maxWaitMs = 2000) {
  const clock = fakeTimers()
  const state = { busy: false }
  const prepared: string[] = []
  const slots = new AudioSlots({
    prepare: (peerId) => prepared.push(peerId),
    busy: () => state.busy,
    timers: clock.timers,
    maxWaitMs,
  })
  return { slots, state, prepared, clock }
}

describe('AudioSlots', () => {
  it('negotiates a synced link at once when the room is quiet', () => {
    const { slots, prepared } = setup()
    slots.synced('a')
    expect(prepared).toEqual(['a'])
  })

  it('holds synced links while others connect, then negotiates them together', () => {
    const { slots, state, prepared, clock } = setup()
    state.busy = true
    slots.synced('a')
    slots.synced('b')
    slots.settle()
    expect(prepared).toEqual([])
    state.busy = false
    slots.settle()
    expect(prepared).toEqual(['a', 'b'])
    expect(clock.pending).toHaveLength(0)
    // Nothing waits twice.
    slots.settle()
    expect(prepared).toEqual(['a', 'b'])
  })

  it('waits at most maxWaitMs for a room that never settles', () => {
    const { slots, state, prepared, clock } = setup(2000)
    state.busy = true
    slots.synced('a')
    clock.advance(1000)
    slots.synced('b')
    clock.advance(999)
    expect(prepared).toEqual([])
    clock.advance(1)
    expect(prepared).toEqual(['a', 'b'])
    // A later link starts a new wait of its own.
    slots.synced('c')
    clock.advance(1999)
    expect(prepared).toEqual(['a', 'b'])
    clock.advance(1)
    expect(prepared).toEqual(['a', 'b', 'c'])
  })

  it('drops a waiting link that closed', () => {
    const { slots, state, prepared } = setup()
    state.busy = true
    slots.synced('a')
    slots.synced('b')
    slots.forget('a')
    slots.flush()
    expect(prepared).toEqual(['b'])
  })
})
