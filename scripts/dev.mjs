/**
 * `npm run dev`: the signaling server (compiled, on SIGNALING_PORT) plus Vite with hot reload,
 * which proxies /socket.io to it.
 */
import { execFileSync, spawn } from 'node:child_process'

const signalingPort = process.env.SIGNALING_PORT ?? '3001'
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
execFileSync(npm, ['run', 'build:server'], { stdio: 'inherit' })

const children = [
  spawn(process.execPath, ['dist/server/server/src/main.js'], {
    stdio: 'inherit',
    env: { ...process.env, PORT: signalingPort },
  }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js'], {
    stdio: 'inherit',
    env: { ...process.env, SIGNALING_PORT: signalingPort },
  }),
]
const stop = () => {
  for (const child of children) child.kill('SIGTERM')
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
for (const child of children) child.on('exit', stop)
