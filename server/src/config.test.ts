import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_PEERS } from '../../shared/limits.js'
import { findPackageRoot, loadConfig } from './config.js'
import { DEFAULT_LIMITS } from './limits.js'

describe('loadConfig', () => {
  it('has defaults that work on a LAN and use no third-party servers', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      maxPeers: DEFAULT_MAX_PEERS,
      stunUrls: [],
      turnUrls: [],
      turnSecret: undefined,
      turnTtlSeconds: 3600,
      redisUrl: undefined,
    })
  })

  it('defaults CLIENT_DIR to dist/client at the repository root', () => {
    const { clientDir } = loadConfig({})
    expect(basename(clientDir)).toBe('client')
    expect(basename(dirname(clientDir))).toBe('dist')
    expect(existsSync(join(dirname(dirname(clientDir)), 'package.json'))).toBe(true)
    expect(existsSync(join(dirname(dirname(clientDir)), 'server', 'src', 'config.ts'))).toBe(true)
  })

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MAX_PEERS: '4',
      STUN_URLS: 'stun:a.test:3478, stuns:b.test',
      TURN_URLS: 'turn:t.test:3478?transport=udp,turns:t.test:5349',
      TURN_SECRET: 'secret',
      TURN_TTL: '600',
      REDIS_URL: 'redis://redis.internal:6379/0',
      CLIENT_DIR: 'some/dir',
    })
    // The limits and operations settings have their own tests below.
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      maxPeers: 4,
      stunUrls: ['stun:a.test:3478', 'stuns:b.test'],
      turnUrls: ['turn:t.test:3478?transport=udp', 'turns:t.test:5349'],
      turnSecret: 'secret',
      turnTtlSeconds: 600,
      redisUrl: 'redis://redis.internal:6379/0',
      clientDir: resolve('some/dir'),
    })
  })

  it('accepts only redis:// and rediss:// URLs for REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://user:pw@redis.test:6380' }).redisUrl).toBe(
      'rediss://user:pw@redis.test:6380',
    )
    expect(() => loadConfig({ REDIS_URL: 'http://redis.test' })).toThrow(/REDIS_URL/)
    expect(() => loadConfig({ REDIS_URL: 'redis://' })).toThrow(/REDIS_URL/)
  })

  it('treats empty values as unset and accepts port 0', () => {
    expect(loadConfig({ PORT: '', MAX_PEERS: ' ', STUN_URLS: '' })).toMatchObject({
      port: 3000,
      maxPeers: DEFAULT_MAX_PEERS,
      stunUrls: [],
    })
    expect(loadConfig({ PORT: '0' }).port).toBe(0)
  })

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['MAX_PEERS', '1'],
    ['MAX_PEERS', '65'],
    ['MAX_PEERS', 'eight'],
    ['TURN_TTL', '0'],
    ['TURN_TTL', '1e3'],
    ['STUN_URLS', 'http://stun.test'],
    ['STUN_URLS', 'turn:t.test'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name)
  })

  it('accepts the MAX_PEERS bounds', () => {
    expect(loadConfig({ MAX_PEERS: '2' }).maxPeers).toBe(2)
    expect(loadConfig({ MAX_PEERS: '64' }).maxPeers).toBe(64)
  })

  it('requires TURN_SECRET with TURN_URLS and checks their scheme', () => {
    expect(() => loadConfig({ TURN_URLS: 'turn:t.test' })).toThrow(/TURN_SECRET/)
    expect(() => loadConfig({ TURN_URLS: 'stun:t.test', TURN_SECRET: 's' })).toThrow(/TURN_URLS/)
  })
})

describe('loadConfig: limits and operations', () => {
  it('defaults to LAN-friendly limits, same-origin sockets and info logs', () => {
    const config = loadConfig({})
    expect(config.limits).toEqual(DEFAULT_LIMITS)
    expect(config).toMatchObject({ allowedOrigins: null, trustProxy: false, logLevel: 'info' })
  })

  it('reads every limit and operations variable', () => {
    const config = loadConfig({
      JOIN_RATE_PER_MIN: '6',
      JOIN_BURST: '2',
      SIGNAL_RATE_PER_S: '5',
      SIGNAL_BURST: '20',
      MAX_CONNECTIONS_PER_IP: '3',
      MAX_CONNECTIONS: '40',
      MAX_ROOMS: '9',
      ALLOWED_ORIGINS: 'https://Board.example.org:443/, http://10.0.0.2:3000',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_MS: '500',
    })
    expect(config.limits).toEqual({
      joinPerMinute: 6,
      joinBurst: 2,
      signalPerSecond: 5,
      signalBurst: 20,
      maxConnectionsPerIp: 3,
      maxConnections: 40,
      maxRooms: 9,
    })
    expect(config).toMatchObject({
      allowedOrigins: ['https://board.example.org', 'http://10.0.0.2:3000'],
      trustProxy: true,
      logLevel: 'warn',
      shutdownDrainMs: 500,
    })
    expect(loadConfig({ ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*'])
  })

  it.each([
    ['SIGNAL_RATE_PER_S', '0'],
    ['MAX_CONNECTIONS', 'many'],
    ['ALLOWED_ORIGINS', 'board.example.org'],
    ['ALLOWED_ORIGINS', 'https://board.example.org/path'],
    ['TRUST_PROXY', 'maybe'],
    ['LOG_LEVEL', 'verbose'],
    ['SHUTDOWN_DRAIN_MS', '60000'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name)
  })
})

describe('findPackageRoot', () => {
  it('walks up from a compiled-looking path to the nearest package.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'peerboard-config-'))
    try {
      const deep = join(root, 'dist', 'server', 'server', 'src')
      mkdirSync(deep, { recursive: true })
      writeFileSync(join(root, 'package.json'), '{}')
      expect(findPackageRoot(deep)).toBe(root)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
