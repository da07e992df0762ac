/**
 * The workspace's import graph, type-only imports included (a cycle of types is still a knot a
 * reader has to untie). `--check` fails on any import cycle, inside a package or across
 * packages (`pnpm lint` runs it); without it, prints the imports that cross a package boundary
 * as a from -> to table (docs/architecture.md quotes the totals).
 * Usage: tsx scripts/import-graph.ts [--check]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));

const folderOf = (file: string): string => file.split('/')[0] ?? '';
const manifestOf = (folder: string): { name: string; exports?: Record<string, string> } | undefined => {
  const file = join(root, folder, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
};
const packages = new Map<string, { folder: string; exports: Record<string, string> }>();
for (const folder of new Set(files.map(folderOf))) {
  const m = manifestOf(folder);
  if (m) packages.set(m.name, { folder, exports: m.exports ?? {} });
}
const isPackageFolder = (folder: string): boolean => [...packages.values()].some((p) => p.folder === folder);

/** The file `spec` names from `file`, when it is one of ours. */
function resolveSpec(file: string, spec: string): { target: string | undefined; folder: string } | undefined {
  if (spec.startsWith('.')) {
    const target = normalize(join(dirname(file), spec));
    return { target: existsSync(join(root, target)) ? target : undefined, folder: folderOf(target) };
  }
  if (!spec.startsWith('@periscope/')) return undefined;
  const [scope, name, ...rest] = spec.split('/');
  const pkg = packages.get(`${scope}/${name}`);
  if (!pkg) return undefined;
  const entry = pkg.exports[rest.length ? `./${rest.join('/')}` : '.'];
  return { target: entry ? normalize(join(pkg.folder, entry)) : undefined, folder: pkg.folder };
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
const edges = new Map<string, Set<string>>();
const crossing = new Map<string, number>();
for (const file of files) {
  const from = folderOf(file);
  if (!isPackageFolder(from) || file.includes('node_modules/')) continue;
  const out = new Set<string>();
  edges.set(file, out);
  for (const match of readFileSync(join(root, file), 'utf8').matchAll(SPECIFIER)) {
    const resolved = resolveSpec(file, match[1]!);
    if (!resolved) continue;
    if (resolved.target) out.add(resolved.target);
    if (resolved.folder !== from && isPackageFolder(resolved.folder)) {
      const key = `${from} -> ${resolved.folder}`;
      crossing.set(key, (crossing.get(key) ?? 0) + 1);
    }
  }
}

/** Strongly connected components of more than one file (Tarjan), i.e. the import cycles. */
function cycles(): string[][] {
  let index = 0;
  const stack: string[] = [];
  const state = new Map<string, { index: number; low: number; onStack: boolean }>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    const s = { index, low: index, onStack: true };
    index += 1;
    state.set(v, s);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      const t = state.get(w);
      if (!t) {
        visit(w);
        s.low = Math.min(s.low, state.get(w)!.low);
      } else if (t.onStack) s.low = Math.min(s.low, t.index);
    }
    if (s.low === s.index) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        state.get(w)!.onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!state.has(v)) visit(v);
  return found;
}

if (process.argv.includes('--check')) {
  const found = cycles();
  for (const c of found) console.error(`import cycle: ${c.join(' <-> ')}`);
  if (found.length > 0) process.exit(1);
} else {
  let total = 0;
  for (const [key, n] of [...crossing].sort()) {
    console.log(`${key.padEnd(34)} ${n}`);
    total += n;
  }
  console.log(`${'total'.padEnd(34)} ${total}`);
}
