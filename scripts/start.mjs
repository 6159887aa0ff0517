/**
 * `npm start`: builds whatever is missing (client bundle, compiled server), then runs the one
 * Node process that serves the app and the signaling server.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
if (!existsSync('dist/server/server/src/main.js')) {
  execFileSync(npm, ['run', 'build:server'], { stdio: 'inherit' })
}
if (!existsSync('dist/client/index.html')) {
  execFileSync(npm, ['run', 'build:client'], { stdio: 'inherit' })
}
await import('../dist/server/server/src/main.js')
