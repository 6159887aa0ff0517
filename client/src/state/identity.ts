/** Who this person is on the board: a name and a colour, kept across visits. */

export interface Identity {
  name: string
  color: string
}

export const CURSOR_COLORS = [
  '#e03131',
  '#1971c2',
  '#2f9e44',
  '#f08c00',
  '#9c36b5',
  '#0c8599',
  '#e8590c',
  '#5c940d',
] as const

const ADJECTIVES = ['Swift', 'Calm', 'Bright', 'Bold', 'Quiet', 'Clever', 'Merry', 'Keen']
const ANIMALS = ['Otter', 'Heron', 'Fox', 'Lynx', 'Finch', 'Panda', 'Koala', 'Orca']
const STORAGE_KEY = 'peerboard/identity'

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!
}

export function generateIdentity(): Identity {
  return { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(CURSOR_COLORS) }
}

export function loadIdentity(storage: Pick<Storage, 'getItem' | 'setItem'> | null): Identity {
  try {
    const saved: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null')
    if (isIdentity(saved)) return saved
  } catch {
    // A corrupt entry is replaced below.
  }
  const identity = generateIdentity()
  saveIdentity(storage, identity)
  return identity
}

export function saveIdentity(storage: Pick<Storage, 'setItem'> | null, identity: Identity): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(identity))
  } catch {
    // Private mode or a full quota: the identity just lasts for this page.
  }
}

export function isIdentity(value: unknown): value is Identity {
  if (typeof value !== 'object' || value === null) return false
  const { name, color } = value as Record<string, unknown>
  return (
    typeof name === 'string' &&
    name.trim().length > 0 &&
    name.length <= 64 &&
    typeof color === 'string' &&
    /^#[0-9a-fA-F]{6}$/.test(color)
  )
}
