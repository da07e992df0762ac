#!/usr/bin/env node
/* global process, console */
// Checks that every relative link in README.md, SECURITY.md and docs/*.md points to a file
// that exists and, when it names an anchor, to a heading of that file (GitHub's slugs).
// With --paths it also lists repository paths quoted in backticks (`proxy/src/...`) that do
// not exist, which is how docs go stale when code moves. Exit status 1 on a broken link.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = ['README.md', 'SECURITY.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const checkPaths = process.argv.includes('--paths');

/** Text outside fenced code blocks, line by line (links inside code are not links). */
function proseLines(text) {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const problems = [];
const stalePaths = [];
const topDirs = new Set(readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules').map((d) => d.name));

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  proseLines(text).forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      const [path, anchor] = target.split('#');
      const abs = path ? resolve(dirname(join(root, file)), path) : join(root, file);
      if (!existsSync(abs)) {
        problems.push(`${where}: ${target}: no such file ${relative(root, abs)}`);
        continue;
      }
      if (anchor !== undefined && abs.endsWith('.md') && !anchorsOf(readFileSync(abs, 'utf8')).has(anchor)) {
        problems.push(`${where}: ${target}: no heading with anchor #${anchor} in ${relative(root, abs)}`);
      }
    }
    if (!checkPaths) return;
    for (const [, quoted] of line.matchAll(/`([A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+)`/g)) {
      if (!topDirs.has(quoted.split('/')[0])) continue;
      if (!existsSync(join(root, quoted))) stalePaths.push(`${where}: \`${quoted}\``);
    }
  });
}

for (const p of stalePaths) console.log(`path not in the repository: ${p}`);
for (const p of problems) console.error(`broken link: ${p}`);
if (problems.length > 0) {
  console.error(`${problems.length} broken link(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`doc links: ${files.length} files checked, no broken link${checkPaths ? `; ${stalePaths.length} quoted path(s) not found` : ''}`);
