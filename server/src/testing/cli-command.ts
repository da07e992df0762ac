import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * Node arguments that run the CLI as `pnpm periscope` does, but without pnpm in between, so
 * a test's signals (SIGTERM, SIGKILL) reach the Periscope process itself.
 */
export const PERISCOPE_CLI = ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(ROOT, 'server/src/cli/main.ts')];
