import { pino, type DestinationStream } from 'pino'

/** Structured logging. Callers pass ids and counts, never client payloads. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

type Level = 'info' | 'warn' | 'error'

export function createJsonLogger(
  write: (line: string, level: Level) => void = writeConsole,
): Logger {
  const log = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    const entry = { time: new Date().toISOString(), level, msg, ...fields }
    write(JSON.stringify(entry, serializeErrors), level)
  }
  return {
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  }
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * The production logger: pino writes one JSON line per entry, with a numeric level and epoch
 * time, cheaply enough for a socket's every join and disconnect. The Logger seam stays, so tests
 * pass `silentLogger` and nothing else learns of pino.
 */
export function createPinoLogger(
  level: LogLevel = 'info',
  destination?: DestinationStream,
): Logger {
  const base = pino(
    {
      level,
      base: { service: 'peerboard-signaling' },
      // Error fields under any name come out with name, message and stack, not `{}`.
      serializers: { error: pino.stdSerializers.err },
    },
    destination,
  )
  return {
    info: (msg, fields) => base.info(fields ?? {}, msg),
    warn: (msg, fields) => base.warn(fields ?? {}, msg),
    error: (msg, fields) => base.error(fields ?? {}, msg),
  }
}

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
}

function writeConsole(line: string, level: Level): void {
  if (level === 'info') console.log(line)
  else console.error(line)
}

// JSON.stringify turns an Error into `{}`, which would hide exactly what we need when it fails.
function serializeErrors(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack }
  return value
}
