import { svelte } from '@sveltejs/vite-plugin-svelte'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const signalingPort = process.env.SIGNALING_PORT ?? '3001'

export default defineConfig({
  root: 'client',
  publicDir: '../public',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      // No changeOrigin: the proxy keeps the browser's Host header, so the server's default
      // same-origin check (Origin host = Host) passes for pages served by Vite.
      '/socket.io': { target: `http://127.0.0.1:${signalingPort}`, ws: true },
    },
  },
})
