import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_MAX_PEERS } from '../../shared/limits.js'
import { DEFAULT_LIMITS, type LimitsConfig } from './limits.js'
import { LOG_LEVELS, type LogLevel } from './logger.js'
import { normalizeOrigin } from './origin.js'

export interface ServerConfig {
  port: number
  host: string
  maxPeers: number
  stunUrls: string[]
  turnUrls: string[]
  turnSecret: string | undefined
  turnTtlSeconds: number
  /** Several processes share rooms through this Redis; one process keeps them in memory. */
  redisUrl: string | undefined
  clientDir: string
  /** Rate limits and caps (server/src/limits.ts). */
  limits: LimitsConfig
  /** Origins that may open a signaling socket; null means the page's own origin only. */
  allowedOrigins: string[] | null
  /** Take the client address from X-Forwarded-For (set only behind a reverse proxy). */
  trustProxy: boolean
  logLevel: LogLevel
  /** How long clients get after the shutdown notice to move before the server closes. */
  shutdownDrainMs: number
}

const MIN_PEERS = 2
const MAX_PEERS_LIMIT = 64
const DEFAULT_TURN_TTL_SECONDS = 3600
// Credentials outlive the TTL once handed out, so a long one defeats the point of ephemeral ones.
const MAX_TURN_TTL_SECONDS = 86_400
const DEFAULT_SHUTDOWN_DRAIN_MS = 2000

/**
 * Reads the environment. Every setting has a default that works on a LAN; nothing points at a
 * third-party STUN or TURN server unless configured, so by default no address leaves the network.
 */
export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const turnUrls = readUrls(env, 'TURN_URLS', /^turns?:/)
  const turnSecret = read(env, 'TURN_SECRET')
  if (turnUrls.length > 0 && turnSecret === undefined) {
    throw new Error('TURN_URLS is set but TURN_SECRET is not: TURN credentials need the secret')
  }
  const clientDir = read(env, 'CLIENT_DIR')
  const redisUrl = read(env, 'REDIS_URL')
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new Error('REDIS_URL must be a redis:// or rediss:// URL')
  }
  return {
    port: readInteger(env, 'PORT', 3000, 0, 65_535),
    host: read(env, 'HOST') ?? '127.0.0.1',
    maxPeers: readInteger(env, 'MAX_PEERS', DEFAULT_MAX_PEERS, MIN_PEERS, MAX_PEERS_LIMIT),
    stunUrls: readUrls(env, 'STUN_URLS', /^stuns?:/),
    turnUrls,
    turnSecret,
    turnTtlSeconds: readInteger(env, 'TURN_TTL', DEFAULT_TURN_TTL_SECONDS, 1, MAX_TURN_TTL_SECONDS),
    redisUrl,
    clientDir:
      clientDir === undefined
        ? join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'dist', 'client')
        : resolve(clientDir),
    limits: readLimits(env),
    allowedOrigins: readOrigins(env),
    trustProxy: readBoolean(env, 'TRUST_PROXY'),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    // Bounded well below the process's own shutdown deadline in main.ts.
    shutdownDrainMs: readInteger(env, 'SHUTDOWN_DRAIN_MS', DEFAULT_SHUTDOWN_DRAIN_MS, 0, 20_000),
  }
}

function readLimits(env: NodeJS.ProcessEnv): LimitsConfig {
  const d = DEFAULT_LIMITS
  const big = 1_000_000
  return {
    joinPerMinute: readInteger(env, 'JOIN_RATE_PER_MIN', d.joinPerMinute, 1, big),
    joinBurst: readInteger(env, 'JOIN_BURST', d.joinBurst, 1, big),
    signalPerSecond: readInteger(env, 'SIGNAL_RATE_PER_S', d.signalPerSecond, 1, big),
    signalBurst: readInteger(env, 'SIGNAL_BURST', d.signalBurst, 1, big),
    maxConnectionsPerIp: readInteger(env, 'MAX_CONNECTIONS_PER_IP', d.maxConnectionsPerIp, 1, big),
    maxConnections: readInteger(env, 'MAX_CONNECTIONS', d.maxConnections, 1, big),
    maxRooms: readInteger(env, 'MAX_ROOMS', d.maxRooms, 1, big),
  }
}

/** A comma list of origins (`https://board.example.org`), or `*` for any. */
function readOrigins(env: NodeJS.ProcessEnv): string[] | null {
  const raw = read(env, 'ALLOWED_ORIGINS')
  if (raw === undefined) return null
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+\/?$/.test(origin)) {
      throw new Error(
        `ALLOWED_ORIGINS has an invalid origin "${origin}" (expected http(s)://host[:port] or *)`,
      )
    }
  }
  return origins.map((origin) => (origin === '*' ? origin : normalizeOrigin(origin)))
}

function readBoolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = read(env, name)?.toLowerCase()
  if (raw === undefined) return false
  if (['1', 'true', 'yes'].includes(raw)) return true
  if (['0', 'false', 'no'].includes(raw)) return false
  throw new Error(`${name} must be true or false, got "${raw}"`)
}

function readChoice<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  const choice = choices.find((candidate) => candidate === raw)
  if (choice === undefined) throw new Error(`${name} must be one of ${choices.join(', ')}`)
  return choice
}

/**
 * The nearest ancestor holding a package.json. This file runs both from source (server/src,
 * under vitest) and compiled (dist/server/server/src), so a fixed number of `..` would be wrong
 * in one of them.
 */
export function findPackageRoot(startDir: string): string {
  let dir = resolve(startDir)
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${startDir}: set CLIENT_DIR`)
    dir = parent
  }
}

// An empty value (`PORT=` in a shell or a compose file) means "unset", not "invalid".
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function readInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be an integer, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) {
    throw new Error(`${name} must be between ${min} and ${max}, got ${value}`)
  }
  return value
}

function readUrls(env: NodeJS.ProcessEnv, name: string, scheme: RegExp): string[] {
  const raw = read(env, name)
  if (raw === undefined) return []
  const urls = raw
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
  for (const url of urls) {
    if (!scheme.test(url) || /\s/.test(url)) {
      throw new Error(`${name} has an invalid URL "${url}" (expected ${scheme.source.slice(1)}…)`)
    }
  }
  return urls
}
