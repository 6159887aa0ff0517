/**
 * Board links: `/#<roomId>.<key>`. Only the room id reaches the server; the key stays in the
 * fragment, which browsers never send, and seals every signaling payload.
 */
import { ROOM_ID_PATTERN } from '../../../shared/limits'
import { randomId } from './encoding'

export interface RoomLink {
  roomId: string
  key: string
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{22,86}$/

export function parseRoomFragment(hash: string): RoomLink | null {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash
  const dot = fragment.indexOf('.')
  if (dot < 0) return null
  const roomId = fragment.slice(0, dot)
  const key = fragment.slice(dot + 1)
  if (!ROOM_ID_PATTERN.test(roomId) || !KEY_PATTERN.test(key)) return null
  return { roomId, key }
}

export function createRoomLink(): RoomLink {
  return { roomId: randomId(16), key: randomId(16) }
}

export function formatRoomFragment(link: RoomLink): string {
  return `#${link.roomId}.${link.key}`
}
