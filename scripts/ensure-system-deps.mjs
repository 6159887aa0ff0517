/**
 * Finds or installs what the tests need from Debian: Chromium for the end-to-end tests. When
 * something is missing and we are root (as on CI), apt-get installs it; otherwise we stop
 * with a message naming what to install.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Each requirement: how to find it, and the Debian package that provides it. */
export const REQUIREMENTS = {
  chromium: {
    check: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    apt: 'chromium',
  },
  // The ICE-restart test drops UDP ports with nftables; it needs root and is skipped otherwise.
  nftables: {
    check: () =>
      process.getuid?.() !== 0 ||
      spawnSync('sh', ['-c', 'command -v nft'], { stdio: 'ignore' }).status === 0,
    apt: 'nftables',
  },
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
        '(or set CHROMIUM_PATH to an existing Chromium binary).',
    )
    process.exit(1)
  }
  console.log(`Installing ${packages.join(', ')} with apt-get…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  run('apt-get', ['update'], env)
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], env)
  const still = names.filter((name) => !REQUIREMENTS[name].check())
  if (still.length > 0) {
    console.error(`apt-get finished but these are still missing: ${still.join(', ')}`)
    process.exit(1)
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
