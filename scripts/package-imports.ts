/**
 * Counts the imports that cross a package boundary: every `import`/`export ... from` and dynamic
 * `import()` in a workspace package's TypeScript that names another workspace package, by name
 * (`@periscope/x`) or by a relative path into its folder. Prints a from -> to table and the total.
 * Usage: tsx scripts/package-imports.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));

const folderOf = (file: string): string => file.split('/')[0] ?? '';
const isPackage = (folder: string): boolean => existsSync(join(root, folder, 'package.json'));
const byName = new Map<string, string>();
for (const folder of new Set(files.map(folderOf))) {
  if (!isPackage(folder)) continue;
  const { name } = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { name: string };
  byName.set(name, folder);
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
const counts = new Map<string, number>();
for (const file of files) {
  const from = folderOf(file);
  if (!isPackage(from)) continue;
  for (const match of readFileSync(join(root, file), 'utf8').matchAll(SPECIFIER)) {
    const spec = match[1]!;
    let to: string | undefined;
    if (spec.startsWith('.')) to = folderOf(normalize(join(dirname(file), spec)));
    else if (spec.startsWith('@periscope/')) to = byName.get(spec.split('/').slice(0, 2).join('/'));
    if (!to || to === from || !isPackage(to)) continue;
    const key = `${from} -> ${to}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}
let total = 0;
for (const [key, n] of [...counts].sort()) {
  console.log(`${key.padEnd(32)} ${n}`);
  total += n;
}
console.log(`${'total'.padEnd(32)} ${total}`);
