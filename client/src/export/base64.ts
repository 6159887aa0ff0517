/**
 * Standard base64 (RFC 4648, padded) over btoa/atob, which Node 20 and every browser have.
 * Decoding is strict: atob alone skips whitespace and accepts missing padding, and a board
 * file that was altered should be refused rather than half read.
 */

/** String.fromCharCode takes its arguments on the stack, so bytes go in slices. */
const SLICE = 0x8000
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const IN_ALPHABET = new Uint8Array(128)
for (const char of ALPHABET) IN_ALPHABET[char.charCodeAt(0)] = 1

export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += SLICE) {
    parts.push(String.fromCharCode(...bytes.subarray(i, i + SLICE)))
  }
  return btoa(parts.join(''))
}

/** Null when `text` is not padded base64. A loop, because a regex over 64 MiB can overflow. */
export function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  for (let i = 0; i < text.length - padding; i++) {
    const code = text.charCodeAt(i)
    if (code >= 128 || IN_ALPHABET[code] !== 1) return null
  }
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
