import { describe, expect, it } from 'vitest'
import { CURSOR_COLORS, generateIdentity, isIdentity, loadIdentity, saveIdentity } from './identity'

const STORAGE_KEY = 'peerboard/identity'

class MemoryStorage {
  readonly items = new Map<string, string>()
  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value)
  }
}

function expectGenerated(identity: unknown): void {
  expect(isIdentity(identity)).toBe(true)
  const { name, color } = identity as { name: string; color: string }
  expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
  expect(CURSOR_COLORS).toContain(color)
}

describe('loadIdentity', () => {
  it('returns a saved identity unchanged', () => {
    const storage = new MemoryStorage()
    storage.setItem(STORAGE_KEY, JSON.stringify({ name: 'Ada', color: '#123abc' }))
    expect(loadIdentity(storage)).toEqual({ name: 'Ada', color: '#123abc' })
  })

  it('falls back to a generated valid identity when storage is corrupt, and saves it', () => {
    const corrupt = [
      '{not json',
      'null',
      '42',
      '"Ada"',
      '[]',
      '{}',
      JSON.stringify({ name: '', color: '#123abc' }),
      JSON.stringify({ name: '   ', color: '#123abc' }),
      JSON.stringify({ name: 'x'.repeat(65), color: '#123abc' }),
      JSON.stringify({ name: 'Ada', color: 'red' }),
      JSON.stringify({ name: 'Ada', color: '#123abc80' }),
      JSON.stringify({ name: 7, color: '#123abc' }),
      JSON.stringify({ name: 'Ada' }),
    ]
    for (const value of corrupt) {
      const storage = new MemoryStorage()
      storage.setItem(STORAGE_KEY, value)
      const identity = loadIdentity(storage)
      expectGenerated(identity)
      expect(JSON.parse(storage.getItem(STORAGE_KEY)!)).toEqual(identity)
      // The repaired entry is what the next visit gets.
      expect(loadIdentity(storage)).toEqual(identity)
    }
  })

  it('works without storage, with empty storage and with storage that throws', () => {
    expectGenerated(loadIdentity(null))
    const empty = new MemoryStorage()
    expectGenerated(loadIdentity(empty))
    expect(empty.items.has(STORAGE_KEY)).toBe(true)
    const throwing = {
      getItem: (): string | null => {
        throw new Error('SecurityError')
      },
      setItem: (): void => {
        throw new Error('QuotaExceededError')
      },
    }
    expectGenerated(loadIdentity(throwing))
    expect(() => saveIdentity(throwing, generateIdentity())).not.toThrow()
  })
})

describe('generateIdentity', () => {
  it('always makes a valid identity', () => {
    for (let i = 0; i < 200; i++) expectGenerated(generateIdentity())
  })
})
