import { pino, type DestinationStream } from 'pino'

/** Structured logging. Callers pass ids and counts, never client payloads. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
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
      // Errors go under `error`; this keeps their type, message and stack (JSON gives `{}`).
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
