import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const isTypeScript = (entry: URL) => extname(fileURLToPath(entry)) === '.ts';

/**
 * This module's own location: its source file under tsx, the bundle it was built into when
 * compiled (scripts/build-server.ts leaves this one module's import.meta.url as the bundle's; every
 * other bundled module sees its source location, so it cannot tell compiled from source itself).
 */
const HERE = new URL(import.meta.url);
const COMPILED = !isTypeScript(HERE);

/**
 * The Node flags a child process needs to run `entry`: none for compiled JavaScript; the tsx
 * loader for a TypeScript source (development, tests), since Node 20 does not run TypeScript.
 */
export function execArgvFor(entry: URL): string[] {
  return isTypeScript(entry) ? ['--import', import.meta.resolve('tsx')] : [];
}

/**
 * A worker thread running `entry`. For a TypeScript source the thread first registers tsx's
 * loader: Node 20 does not apply `--import` hooks to a worker's own entry module.
 */
export function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!isTypeScript(entry)) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, Object.assign({}, options, { eval: true }));
}

/**
 * The module named `name` (its file name without extension) that runs as a worker thread or child
 * process: `name.ts` next to the source at `here`, or, compiled, the bundle `name.mjs` next to this
 * one (every such module is an entry point of scripts/build-server.ts).
 */
export function siblingModule(here: string, name: string): URL {
  return COMPILED ? new URL(`./${name}.mjs`, HERE) : new URL(`./${name}.ts`, here);
}
