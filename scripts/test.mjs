/**
 * `npm test`: installs what the tests need (see ensure-system-deps.mjs), builds the app, then
 * runs every vitest project: unit, integration and end to end.
 */
import { execFileSync } from 'node:child_process'
import { ensureSystemDeps } from './ensure-system-deps.mjs'

ensureSystemDeps()
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
execFileSync(npm, ['run', 'build'], { stdio: 'inherit' })
try {
  execFileSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' })
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1)
}
