/**
 * Seals signaling payloads with the room key from the link's fragment, which the server never
 * sees. AES-GCM with a fresh IV per message; sender and receiver ids are associated data, so
 * the server can neither read SDP, nor alter it, nor move a payload to another pair.
 */
import { fromBase64Url, toBase64Url } from './encoding'

const IV_BYTES = 12
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface SignalSealer {
  seal(from: string, to: string, plaintext: string): Promise<string>
  /** Rejects when the payload was not sealed with this room's key for this pair. */
  open(from: string, to: string, sealed: string): Promise<string>
}

export async function createSignalSealer(roomId: string, roomKey: string): Promise<SignalSealer> {
  const material = await crypto.subtle.importKey(
    'raw',
    toArrayBuffer(fromBase64Url(roomKey)),
    'HKDF',
    false,
    ['deriveKey'],
  )
  const key = await crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: toArrayBuffer(encoder.encode('peerboard/signal/v1')),
      info: toArrayBuffer(encoder.encode(roomId)),
    },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
  const aad = (from: string, to: string) => toArrayBuffer(encoder.encode(`${from}>${to}`))
  return {
    async seal(from, to, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const cipher = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad(from, to) },
        key,
        toArrayBuffer(encoder.encode(plaintext)),
      )
      const sealed = new Uint8Array(IV_BYTES + cipher.byteLength)
      sealed.set(iv)
      sealed.set(new Uint8Array(cipher), IV_BYTES)
      return toBase64Url(sealed)
    },
    async open(from, to, sealedText) {
      const sealed = fromBase64Url(sealedText)
      if (sealed.length <= IV_BYTES) throw new Error('sealed payload too short')
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.slice(0, IV_BYTES), additionalData: aad(from, to) },
        key,
        toArrayBuffer(sealed.subarray(IV_BYTES)),
      )
      return decoder.decode(plain)
    },
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return copy.buffer
}
