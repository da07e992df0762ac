import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const isTypeScript = (entry: URL) => extname(fileURLToPath(entry)) === '.ts';

/**
 * The Node flags a child process needs to run `entry`: none for compiled JavaScript; the tsx
 * loader for a TypeScript source (development, tests), since Node 20 does not run TypeScript.
 */
export function execArgvFor(entry: URL): string[] {
  return isTypeScript(entry) ? ['--import', import.meta.resolve('tsx')] : [];
}

/** `name` next to the module at `here`, with the same extension (.ts in source, .js when built). */
export function siblingModule(here: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(here))}`, here);
}
