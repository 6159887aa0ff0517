/**
 * Builds the benchmark's baseline pages (y-webrtc and raw WebRTC) into dist/bench. The bench
 * runner calls Vite's build() with this file; nothing here is part of the app.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const pages = fileURLToPath(new URL('./pages/', import.meta.url))

export default defineConfig({
  root: pages,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/bench/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      input: {
        ywebrtc: `${pages}ywebrtc.html`,
        raw: `${pages}raw.html`,
      },
    },
  },
})
