import { describe, expect, it } from 'vitest'
import { exportFileName } from './download'

describe('exportFileName', () => {
  it('names exports by date and kind, in local time', () => {
    const when = new Date(2025, 0, 31, 9, 5)
    expect(exportFileName('png', when)).toBe('peerboard-2025-01-31-0905.png')
    expect(exportFileName('svg', when)).toBe('peerboard-2025-01-31-0905.svg')
    expect(exportFileName('board', when)).toBe('peerboard-2025-01-31-0905.json')
  })
})
