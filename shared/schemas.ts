import { z } from 'zod'
import {
  MAX_NAME_LENGTH,
  MAX_SIGNAL_DATA_BYTES,
  PEER_ID_PATTERN,
  ROOM_ID_PATTERN,
  TOKEN_PATTERN,
} from './limits.js'

export const joinRequestSchema = z.strictObject({
  room: z.string().regex(ROOM_ID_PATTERN, 'room must be 1-64 characters of A-Z a-z 0-9 _ -'),
  peer: z.string().regex(PEER_ID_PATTERN, 'peer must be 22-64 base64url characters').optional(),
  token: z.string().regex(TOKEN_PATTERN, 'token must be 22-128 base64url characters').optional(),
  name: z.string().max(MAX_NAME_LENGTH).optional(),
})

export const signalRequestSchema = z.strictObject({
  to: z.string().regex(PEER_ID_PATTERN, 'to must be a peer id'),
  // Printable ASCII only (sealed payloads are base64url), so characters and bytes agree.
  data: z
    .string()
    .min(1)
    .max(MAX_SIGNAL_DATA_BYTES, `data must be at most ${MAX_SIGNAL_DATA_BYTES} bytes`)
    .regex(/^[\x20-\x7e]*$/, 'data must be printable ASCII'),
})

export const leaveRequestSchema = z.union([z.strictObject({}), z.undefined(), z.null()])

/** One readable line from a schema failure, safe to send back to the client. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ')
}
