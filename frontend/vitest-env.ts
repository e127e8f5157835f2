// Vitest's node environment, with the modules transformed as for the
// browser: Svelte then compiles runes for the client, whose effects run
// (its server build runs none), as the forms' draft keeping needs
// (src/lib/editable.svelte.ts). Nothing here needs a DOM.
export default {
  name: 'node-client',
  viteEnvironment: 'client',
  setup: () => ({ teardown() {} }),
};
