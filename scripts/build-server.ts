// Builds the server into dist/: one ES module bundle per entry point, for Node 20, with source
// maps. `pnpm build` runs it after the UI; `--if-stale` builds only when a source it bundled
// changed since (bench and the compiled-start test use that).
//
//   dist/periscope.mjs        the CLI (`periscope start|proxy|ingest|…`), executable
//   dist/<worker>.mjs         each worker thread / child process, named after its source file
//   dist/node_modules/<pkg>   links to the installed packages the bundles import
//   dist/meta.json            what went in and came out (the staleness check reads it)
//
// Workspace packages (@periscope/*) are bundled; every other package stays external (chdb is
// native, and the others are loaded as installed). pnpm does not hoist a package's dependencies
// to the root node_modules, so the build links each one the bundles import into
// dist/node_modules, at the version the importing package resolves.
//
// Assets (clickhouse/migrations, ui/dist) are read from the repository, not copied: every bundled
// module keeps its source file's location as import.meta.url, so a path it resolves from there
// is the same compiled as under tsx. The one exception is the module that locates the compiled
// workers, which needs the bundle's own location (see proxy/src/runtime/module-runner.ts).
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, rm, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/** The CLI's source; its bundle is dist/periscope.mjs. */
export const CLI_SOURCE = 'server/src/cli/main.ts';
/** Every module started as a worker thread or child process (siblingModule() finds them by file name). */
const WORKERS = ['proxy/src/kafka/shipper-process.ts', 'proxy/src/otel/exporter-thread.ts', 'server/src/store-process/child.ts'];
/** Keeps the bundle's own import.meta.url (see above). */
const MODULE_RUNNER = 'proxy/src/runtime/module-runner.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const DIST = join(ROOT, 'dist');
const META = join(DIST, 'meta.json');
const posix = (path: string) => path.split(sep).join('/');

/** import.meta.url of each bundled module: its source location, relative to the bundle. */
const sourceLocations: Plugin = {
  name: 'source-locations',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      let contents = await readFile(args.path, 'utf8');
      const source = posix(relative(ROOT, args.path));
      if (source !== MODULE_RUNNER) {
        const url = `new URL(${JSON.stringify(posix(relative(DIST, args.path)))}, import.meta.url).href`;
        contents = contents.replaceAll('import.meta.url', url);
      }
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/** Marks every non-workspace package external and records where its importer resolves it. */
function externalPackages(found: Map<string, string>): Plugin {
  return {
    name: 'external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
        if (args.path.startsWith('node:') || builtinModules.includes(name)) return { external: true };
        if (name.startsWith('@periscope/')) return undefined;
        const at = await installedPackage(name, args.resolveDir);
        if (!at) return { errors: [{ text: `${name} is not installed for ${relative(ROOT, args.importer)} (pnpm install?)` }] };
        const seen = found.get(name);
        if (seen && seen !== at) return { errors: [{ text: `${name} resolves to two installs: ${seen} and ${at}; dist/node_modules can link one` }] };
        found.set(name, at);
        return { path: args.path, external: true };
      });
    },
  };
}

/** Node's lookup: the nearest node_modules/<name> up from `dir`, as its real path. */
async function installedPackage(name: string, dir: string): Promise<string | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(candidate)) return realpath(candidate);
    if (dirname(at) === at) return undefined;
  }
}

export async function buildServer(): Promise<void> {
  await rm(DIST, { recursive: true, force: true });
  const found = new Map<string, string>();
  const common: BuildOptions = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: DIST,
    outExtension: { '.js': '.mjs' },
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [externalPackages(found), sourceLocations],
  };
  const [cli, workers] = await Promise.all([
    // Split: the CLI loads a command's modules (and their npm packages) only when it runs that
    // command. Chunks sit beside the bundles, so module-runner finds its siblings from any of them.
    build({ ...common, entryPoints: { periscope: CLI_SOURCE }, splitting: true, chunkNames: '[name]-[hash]', banner: { js: '#!/usr/bin/env node' } }),
    build({ ...common, entryPoints: Object.fromEntries(WORKERS.map((w) => [basename(w, '.ts'), w])) }),
  ]);
  // Without it the bundles would look for their workers next to the sources: fail here, not at run time.
  if (!cli.metafile!.inputs[MODULE_RUNNER]) throw new Error(`${MODULE_RUNNER} is not in the CLI's bundle: update MODULE_RUNNER in ${relative(ROOT, import.meta.filename)}`);
  await chmod(join(DIST, 'periscope.mjs'), 0o755);
  for (const [name, at] of found) {
    const link = join(DIST, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(relative(dirname(link), at), link);
  }
  const built: Built = {
    inputs: [...new Set([cli, workers].flatMap((r) => Object.keys(r.metafile!.inputs)))],
    outputs: [cli, workers].flatMap((r) => Object.keys(r.metafile!.outputs)),
  };
  await writeFile(META, JSON.stringify(built));
}

/** What dist/meta.json records: the files that went in and came out, relative to the root. */
interface Built {
  inputs: string[];
  outputs: string[];
}

/** Whether dist/ is missing a bundle or older than a source it bundled (or than this script). */
export async function isStale(): Promise<boolean> {
  const at = await stat(META).then((s) => s.mtimeMs, () => 0);
  if (!at) return true;
  const { inputs, outputs } = JSON.parse(await readFile(META, 'utf8')) as Built;
  if (!Array.isArray(inputs) || !Array.isArray(outputs)) return true;
  if (!outputs.every((file) => existsSync(join(ROOT, file)))) return true;
  for (const file of [...inputs.map((p) => join(ROOT, p)), import.meta.filename]) {
    const changed = await stat(file).then((s) => s.mtimeMs, () => Infinity);
    if (changed > at) return true;
  }
  return false;
}

/** Builds unless dist/ is up to date; whether it built. */
export async function buildIfStale(): Promise<boolean> {
  if (!(await isStale())) return false;
  await buildServer();
  return true;
}

if (process.argv[1] === import.meta.filename) {
  const t0 = Date.now();
  const built = process.argv.includes('--if-stale') ? await buildIfStale() : (await buildServer(), true);
  console.log(built ? `built dist/ in ${Date.now() - t0} ms` : 'dist/ is up to date');
}
