import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The bundle is embedded in the Go binary (go:embed frontend/dist) and served
// both by the desktop window and by `folio serve`, so it must not load
// anything from outside: no CDN, no fonts from the web.
export default defineConfig({
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // Unit tests run Svelte as the browser does (vitest-env.ts): its server
  // build runs no effects, and a form's draft keeping is one.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: { include: ['src/**/*.test.ts'], environment: './vitest-env.ts', server: { deps: { inline: ['svelte'] } } },
});
