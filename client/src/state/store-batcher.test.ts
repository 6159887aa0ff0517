import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { StoreBatcher } from './store-batcher'

/** A document whose updates are captured, and a manual task queue standing in for setTimeout. */
function setup() {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  const tasks: (() => void)[] = []
  const written: Uint8Array[] = []
  const batcher = new StoreBatcher(
    (update) => written.push(update),
    (run) => tasks.push(run),
  )
  const runTasks = () => tasks.splice(0).forEach((run) => run())
  return { doc, updates, tasks, written, batcher, runTasks }
}

const restored = (written: Uint8Array[]) => {
  const copy = new Y.Doc()
  for (const update of written) Y.applyUpdate(copy, update)
  return copy.getMap('m').toJSON()
}

describe('StoreBatcher', () => {
  it('writes nothing in the update’s own task, then everything from it as one merged update', () => {
    const { doc, updates, tasks, written, batcher, runTasks } = setup()
    for (let i = 0; i < 5; i++) doc.getMap('m').set(`k${i}`, i)
    updates.forEach((update) => batcher.add(update))
    expect(written).toHaveLength(0)
    expect(tasks).toHaveLength(1)
    expect(batcher.pending).toBe(5)
    runTasks()
    expect(written).toHaveLength(1)
    expect(batcher.pending).toBe(0)
    expect(restored(written)).toEqual({ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4 })
  })

  it('writes a lone update as it came, and schedules again for updates after a flush', () => {
    const { doc, updates, tasks, written, batcher, runTasks } = setup()
    doc.getMap('m').set('a', 1)
    batcher.add(updates[0]!)
    runTasks()
    expect(written[0]).toBe(updates[0])
    doc.getMap('m').set('b', 2)
    batcher.add(updates[1]!)
    expect(tasks).toHaveLength(1)
    runTasks()
    expect(written).toHaveLength(2)
    expect(restored(written)).toEqual({ a: 1, b: 2 })
  })

  it('flushes on demand (a closing page) and then has nothing left for the scheduled task', () => {
    const { doc, updates, written, batcher, runTasks } = setup()
    doc.getMap('m').set('a', 1)
    doc.getMap('m').set('b', 2)
    updates.forEach((update) => batcher.add(update))
    batcher.flush()
    expect(written).toHaveLength(1)
    runTasks()
    expect(written).toHaveLength(1)
    expect(restored(written)).toEqual({ a: 1, b: 2 })
  })
})
