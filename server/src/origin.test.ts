import type http from 'node:http'
import { describe, expect, it } from 'vitest'
import { clientAddress, originAllowed } from './origin.js'

describe('originAllowed', () => {
  it('by default accepts the same origin, with or without default ports', () => {
    expect(originAllowed('http://127.0.0.1:3000', '127.0.0.1:3000', null)).toBe(true)
    expect(originAllowed('https://board.example.org', 'board.example.org:443', null)).toBe(true)
    expect(originAllowed('http://[::1]:3000', '[::1]:3000', null)).toBe(true)
  })

  it('by default refuses other hosts, ports, schemes and garbage', () => {
    expect(originAllowed('http://evil.example', '127.0.0.1:3000', null)).toBe(false)
    expect(originAllowed('http://127.0.0.1:3001', '127.0.0.1:3000', null)).toBe(false)
    expect(originAllowed('file://', '127.0.0.1:3000', null)).toBe(false)
    expect(originAllowed('null', '127.0.0.1:3000', null)).toBe(false)
    expect(originAllowed('http://127.0.0.1:3000', undefined, null)).toBe(false)
  })

  it('accepts requests without Origin (non-browser clients)', () => {
    expect(originAllowed(undefined, '127.0.0.1:3000', null)).toBe(true)
    expect(originAllowed(undefined, undefined, ['https://board.example.org'])).toBe(true)
  })

  it('with a list, accepts exactly the listed origins, or any with *', () => {
    const list = ['https://board.example.org']
    expect(originAllowed('https://board.example.org', 'internal:3000', list)).toBe(true)
    expect(originAllowed('https://BOARD.example.org:443', 'internal:3000', list)).toBe(true)
    expect(originAllowed('http://internal:3000', 'internal:3000', list)).toBe(false)
    expect(originAllowed('http://anything.test', 'x', ['*'])).toBe(true)
  })
})

describe('clientAddress', () => {
  const request = (remoteAddress: string, forwarded?: string) =>
    ({
      socket: { remoteAddress },
      headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    }) as unknown as http.IncomingMessage

  it('uses the socket address unless told to trust the proxy', () => {
    expect(clientAddress(request('10.0.0.9', '1.2.3.4'), false)).toBe('10.0.0.9')
  })

  it('behind a trusted proxy, uses the entry the proxy appended, not what the client claimed', () => {
    expect(clientAddress(request('10.0.0.9', 'spoofed, 203.0.113.7'), true)).toBe('203.0.113.7')
    expect(clientAddress(request('10.0.0.9'), true)).toBe('10.0.0.9')
  })
})
