import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const isTypeScript = (entry: URL) => extname(fileURLToPath(entry)) === '.ts';

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
  return new Worker(boot, { ...options, eval: true });
}

/** `name` next to the module at `here`, with the same extension (.ts in source, .js when built). */
export function siblingModule(here: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(here))}`, here);
}
