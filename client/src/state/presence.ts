/**
 * Reads other people's awareness states defensively: any peer can publish anything, so each
 * field is checked before it is shown.
 */
import type { RemoteCursor } from '../render/renderer'
import type { VoicePresence } from '../voice/voice-chat'
import { isIdentity, type Identity } from './identity'

export interface PresenceState {
  user: Identity
  cursor: { x: number; y: number } | null
  tool: string
  voice: VoicePresence
}

export function readUser(state: unknown): Identity | null {
  if (typeof state !== 'object' || state === null) return null
  const user = (state as { user?: unknown }).user
  return isIdentity(user) ? user : null
}

/** `joining` is absent from older peers' states and reads as false. */
export function readVoice(state: unknown): VoicePresence | null {
  if (typeof state !== 'object' || state === null) return null
  const voice = (state as { voice?: unknown }).voice
  if (typeof voice !== 'object' || voice === null) return null
  const { on, muted, speaking, joining = false } = voice as Record<string, unknown>
  if (
    typeof on !== 'boolean' ||
    typeof muted !== 'boolean' ||
    typeof speaking !== 'boolean' ||
    typeof joining !== 'boolean'
  ) {
    return null
  }
  return { on, muted, speaking, joining }
}

export function readCursor(state: unknown): RemoteCursor | null {
  const user = readUser(state)
  if (!user) return null
  const cursor = (state as { cursor?: unknown }).cursor
  if (typeof cursor !== 'object' || cursor === null) return null
  const { x, y } = cursor as Record<string, unknown>
  if (
    typeof x !== 'number' ||
    typeof y !== 'number' ||
    !Number.isFinite(x) ||
    !Number.isFinite(y)
  ) {
    return null
  }
  return { x, y, name: user.name, color: user.color, speaking: readVoice(state)?.speaking === true }
}
