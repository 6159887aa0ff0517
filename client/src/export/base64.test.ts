import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64, encodeBase64 } from './base64'

describe('base64', () => {
  it('matches the RFC 4648 test vectors', () => {
    const vectors = ['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']
    vectors.forEach((encoded, length) => {
      const bytes = new TextEncoder().encode('foobar'.slice(0, length))
      expect(encodeBase64(bytes)).toBe(encoded)
      expect(decodeBase64(encoded)).toEqual(bytes)
    })
  })

  it('round-trips any bytes, also past one slice', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes)
      }),
      { numRuns: 30 },
    )
  })

  it.each(['Zg', 'Zg=', 'Z===', 'Zm9v\n', ' Zm9v', 'Zm9v YmFy', 'Zm-_', 'Zm9vYmFy=', 'Zé=='])(
    'refuses %j',
    (text) => {
      expect(decodeBase64(text)).toBeNull()
    },
  )
})
