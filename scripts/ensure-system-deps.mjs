/**
 * Finds or installs what the tests need from Debian: Chromium for the end-to-end tests, coturn
 * (`turnserver`) for the TURN tests and `redis-server` for the multi-node signaling tests. When
 * something is missing and we are root (as on CI), apt-get installs it; otherwise we stop with
 * a message naming what to install.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'

/** Each requirement: how to find it, the Debian package that provides it, and how to override. */
export const REQUIREMENTS = {
  chromium: {
    check: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    apt: 'chromium',
    env: 'CHROMIUM_PATH',
  },
  coturn: {
    check: () => findBinary('turnserver', process.env.TURNSERVER_PATH) !== undefined,
    apt: 'coturn',
    env: 'TURNSERVER_PATH',
  },
  redis: {
    check: () => findBinary('redis-server', process.env.REDIS_SERVER_PATH) !== undefined,
    apt: 'redis-server',
    env: 'REDIS_SERVER_PATH',
  },
  // The ICE-restart test drops UDP ports with nftables; it needs root and is skipped otherwise.
  nftables: {
    check: () => process.getuid?.() !== 0 || findBinary('nft') !== undefined,
    apt: 'nftables',
  },
}

/**
 * The absolute path of `name`: `override` when set, else the first match on PATH, else the
 * Debian locations (/usr/sbin is not on every non-root PATH).
 */
export function findBinary(name, override) {
  if (override) return existsSync(override) ? override : undefined
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/usr/local/bin']
  for (const dir of dirs) {
    if (dir !== '' && existsSync(`${dir}/${name}`)) return `${dir}/${name}`
  }
  return undefined
}

export function ensureSystemDeps(names = Object.keys(REQUIREMENTS)) {
  const missing = names.filter((name) => !REQUIREMENTS[name].check())
  if (missing.length === 0) return
  const packages = missing.map((name) => REQUIREMENTS[name].apt)
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot || !hasAptGet()) {
    console.error(
      `Missing test dependencies: ${missing.join(', ')}.\n` +
        `Install them with: sudo apt-get install -y ${packages.join(' ')}\n` +
        `(or point ${missing
          .map((name) => REQUIREMENTS[name].env)
          .filter(Boolean)
          .join(', ')} at existing binaries).`,
    )
    process.exit(1)
  }
  console.log(`Installing ${packages.join(', ')} with apt-get…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  run('apt-get', ['update'], env)
  withoutServiceStarts(() =>
    run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], env),
  )
  const still = names.filter((name) => !REQUIREMENTS[name].check())
  if (still.length > 0) {
    console.error(`apt-get finished but these are still missing: ${still.join(', ')}`)
    process.exit(1)
  }
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d'

/**
 * coturn and redis-server start a system service on install. The tests start their own
 * instances on free ports and never use it, so a daemon left listening on 3478 and 6379 would
 * only be a surprise: policy-rc.d exit 101 ("action forbidden") keeps invoke-rc.d from starting
 * it. An existing policy (a Docker image's) is left alone.
 */
function withoutServiceStarts(install) {
  if (existsSync(POLICY_RC_D)) return install()
  writeFileSync(POLICY_RC_D, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    install()
  } finally {
    rmSync(POLICY_RC_D, { force: true })
  }
}

function hasAptGet() {
  return spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
}

function run(command, args, env) {
  execFileSync(command, args, { stdio: 'inherit', env })
}

if (import.meta.url === `file://${process.argv[1]}`)
  ensureSystemDeps(process.argv.slice(2).length ? process.argv.slice(2) : undefined)
