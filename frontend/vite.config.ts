import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The bundle is embedded in the Go binary (go:embed frontend/dist) and served
// both by the desktop window and by `folio serve`, so it must not load
// anything from outside: no CDN, no fonts from the web.
export default defineConfig({
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
