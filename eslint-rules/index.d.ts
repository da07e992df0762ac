import type { ESLint } from 'eslint';

/** Periscope's own lint rules (index.js), typed for the tests that load them. */
export declare const periscopePlugin: ESLint.Plugin;
