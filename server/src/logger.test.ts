import { describe, expect, it } from 'vitest'
import { createPinoLogger } from './logger.js'

function capture(level: Parameters<typeof createPinoLogger>[0]) {
  const lines: Record<string, unknown>[] = []
  const logger = createPinoLogger(level, {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  })
  return { logger, lines }
}

describe('createPinoLogger', () => {
  it('writes one JSON object per entry with level, time, message and fields', () => {
    const { logger, lines } = capture('info')
    logger.info('join', { socket: 'abc', members: 2 })
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'join', socket: 'abc', members: 2 }),
    ])
    expect(typeof lines[0]!.time).toBe('number')
  })

  it('keeps an error’s message and stack', () => {
    const { logger, lines } = capture('info')
    logger.error('handler failed', { error: new Error('clock broke') })
    expect(lines[0]).toMatchObject({
      level: 50,
      error: {
        type: 'Error',
        message: 'clock broke',
        stack: expect.stringContaining('clock broke'),
      },
    })
  })

  it('drops entries below the level', () => {
    const { logger, lines } = capture('warn')
    logger.info('join')
    logger.warn('request refused')
    expect(lines.map((line) => line.msg)).toEqual(['request refused'])
  })
})
