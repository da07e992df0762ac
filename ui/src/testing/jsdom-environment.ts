import { populateGlobal, type Environment } from 'vitest/runtime';
import { JSDOM } from 'jsdom';

/**
 * Vitest's built-in `jsdom` environment imports jsdom from vitest's own install, where pnpm
 * resolved the peer to jsdom 31, which needs Node 22. This one uses the ui package's
 * jsdom 26 (Node 20), set up the way the built-in does. Node's fetch, Response, Headers,
 * URL and AbortController stay, so tests stub fetch like the browser's.
 */
const KEEP_NODE = ['fetch', 'Response', 'Request', 'Headers', 'AbortController', 'AbortSignal', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'structuredClone'];

export default {
  name: 'jsdom-ui',
  viteEnvironment: 'client',
  async setup(global: Record<string, unknown>) {
    const dom = new JSDOM('<!DOCTYPE html>', { pretendToBeVisual: true, url: 'http://localhost:3000' });
    const kept = Object.fromEntries(KEEP_NODE.map((k) => [k, global[k]]));
    const { keys, originals } = populateGlobal(global, dom.window, { bindFunctions: true });
    for (const [k, v] of Object.entries(kept)) if (v !== undefined) global[k] = v;
    return {
      teardown(g: Record<string, unknown>) {
        dom.window.close();
        keys.forEach((key) => delete g[key]);
        originals.forEach((v, k) => (g[k as string] = v));
      },
    };
  },
} satisfies Environment;
