/**
 * `npm run bench:server` (after `npm run build:server`): the signaling server under socket load,
 * next to a bare Socket.IO relay. The benchmark lives in bench/server/main.mjs.
 *
 * 10,000 sockets need as many descriptors in the server process (and a share in each load
 * worker), so this first re-runs itself under a shell with the open-files limit raised as far
 * as allowed; children inherit it.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const WANTED_NOFILE = 65_536

if (process.env.PEERBOARD_BENCH_NOFILE === undefined && process.platform !== 'win32') {
  const script = fileURLToPath(import.meta.url)
  // Raise the soft limit to the wanted value, or to the hard limit if that is lower.
  const shell = `ulimit -n ${WANTED_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; PEERBOARD_BENCH_NOFILE="$(ulimit -n)" exec "$0" "$@"`
  const result = spawnSync(
    'sh',
    ['-c', shell, process.execPath, script, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  )
  process.exit(result.status ?? 1)
} else {
  await import('../bench/server/main.mjs')
}
