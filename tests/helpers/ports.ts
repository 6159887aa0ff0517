export { freePort } from './chromium.mjs'
