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
