import { describe, expect, it } from 'vitest'
import { MAX_SIGNAL_DATA_BYTES } from './limits.js'
import {
  describeIssues,
  joinRequestSchema,
  leaveRequestSchema,
  signalRequestSchema,
} from './schemas.js'

const ID = 'AbCdEfGhIjKlMnOpQrSt_-'

describe('joinRequestSchema', () => {
  it('accepts a room alone or with peer, token and name', () => {
    expect(joinRequestSchema.safeParse({ room: 'a' }).success).toBe(true)
    expect(joinRequestSchema.safeParse({ room: 'R'.repeat(64) }).success).toBe(true)
    const full = { room: 'board_1-x', peer: ID, token: `${ID}${ID}`, name: 'Ada' }
    expect(joinRequestSchema.parse(full)).toEqual(full)
  })

  it.each([
    [{ room: '' }],
    [{ room: 'R'.repeat(65) }],
    [{ room: 'a b' }],
    [{ room: 'a.b' }],
    [{ room: 'a', peer: ID.slice(1) }],
    [{ room: 'a', peer: `${ID}=` }],
    [{ room: 'a', token: 'short' }],
    [{ room: 'a', extra: 1 }],
    [null],
    ['a'],
  ])('rejects %j', (value) => {
    expect(joinRequestSchema.safeParse(value).success).toBe(false)
  })
})

describe('signalRequestSchema', () => {
  it('accepts printable ASCII data up to the limit', () => {
    const data = '~'.repeat(MAX_SIGNAL_DATA_BYTES)
    expect(signalRequestSchema.parse({ to: ID, data })).toEqual({ to: ID, data })
  })

  it.each([
    [{ to: ID, data: '' }],
    [{ to: ID, data: 'x'.repeat(MAX_SIGNAL_DATA_BYTES + 1) }],
    [{ to: ID, data: 'line\nbreak' }],
    [{ to: ID, data: 'ü' }],
    [{ to: ID, data: 'x', from: ID }],
    [{ to: 'x', data: 'x' }],
  ])('rejects %#', (value) => {
    expect(signalRequestSchema.safeParse(value).success).toBe(false)
  })
})

describe('leaveRequestSchema', () => {
  it('accepts nothing, null or an empty object and nothing else', () => {
    for (const value of [undefined, null, {}]) {
      expect(leaveRequestSchema.safeParse(value).success).toBe(true)
    }
    for (const value of [{ room: 'a' }, 'x', 0, []]) {
      expect(leaveRequestSchema.safeParse(value).success).toBe(false)
    }
  })
})

describe('describeIssues', () => {
  it('names the field and keeps at most three issues', () => {
    const result = joinRequestSchema.safeParse({ room: 'a b', peer: 'x', token: 'y', name: 1 })
    if (result.success) throw new Error('expected a failure')
    const message = describeIssues(result.error)
    expect(message).toContain('room: room must be 1-64 characters')
    expect(message.split('; ')).toHaveLength(3)
  })

  it('explains an unknown key without a path', () => {
    const result = signalRequestSchema.safeParse({ to: ID, data: 'x', from: ID })
    if (result.success) throw new Error('expected a failure')
    expect(describeIssues(result.error)).toMatch(/from/)
  })
})
