// The workspace's package rule (docs/architecture.md): a package imports another only by its
// name, only through an entry point its package.json `exports` lists, only when its own
// package.json declares it, and only downwards in the layering below.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Lowest first; a package may import only packages on a lower line. The test tooling (testkit)
 * sits below everything a test uses; bench and ui sit on top (ui's own code keeps to the
 * contract; its e2e tests drive a whole Periscope through server's testing entry).
 */
export const LAYERS = [
  ['testkit'],
  ['contract'],
  ['spool'],
  ['clickhouse'],
  ['proxy'],
  ['ingest'],
  ['control-plane'],
  ['server'],
  ['bench', 'ui'],
];
const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));

const manifests = new Map();
function manifest(folder) {
  if (!manifests.has(folder)) {
    const file = join(ROOT, folder, 'package.json');
    manifests.set(folder, existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
  }
  return manifests.get(folder);
}
const folderByName = new Map();
for (const folder of layerOf.keys()) {
  const m = manifest(folder);
  if (m) folderByName.set(m.name, folder);
}

const packageFolderOf = (file) => {
  const top = relative(ROOT, file).split(sep)[0];
  return layerOf.has(top) ? top : undefined;
};

/** Where `spec` names a workspace package: its folder and the entry point asked for ('.' or './x'). */
function target(spec, file) {
  if (spec.startsWith('.')) {
    const folder = packageFolderOf(resolve(dirname(file), spec));
    return folder ? { folder, relativePath: true } : undefined;
  }
  if (!spec.startsWith('@periscope/')) return undefined;
  const [scope, name, ...rest] = spec.split('/');
  const folder = folderByName.get(`${scope}/${name}`);
  return folder ? { folder, entry: rest.length ? `./${rest.join('/')}` : '.', name: `${scope}/${name}` } : undefined;
}

const declares = (m, name) => Boolean(m?.dependencies?.[name] ?? m?.devDependencies?.[name]);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between workspace packages go by name, through entry points, declared, and downwards only.' },
    schema: [],
    messages: {
      relative: "'{{spec}}' reaches into package '{{to}}' by a relative path; import '@periscope/{{to}}' (its entry point) instead.",
      deep: "'{{spec}}' is not an entry point of {{name}}; its package.json exports only {{entries}}.",
      undeclared: "{{from}} imports {{name}} but its package.json does not list it.",
      upward: "{{from}} (layer {{fromLayer}}) may not import {{to}} (layer {{toLayer}}): packages import only lower layers (eslint-rules/package-boundaries.js).",
    },
  },
  create(context) {
    const file = context.filename;
    const from = packageFolderOf(file);
    if (!from) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      const t = target(spec, file);
      if (!t || t.folder === from) return;
      if (t.relativePath) {
        context.report({ node, messageId: 'relative', data: { spec, to: t.folder } });
        return;
      }
      const entries = Object.keys(manifest(t.folder)?.exports ?? { '.': '' });
      if (!entries.includes(t.entry)) context.report({ node, messageId: 'deep', data: { spec, name: t.name, entries: entries.join(', ') } });
      if (!declares(manifest(from), t.name)) context.report({ node, messageId: 'undeclared', data: { from, name: t.name } });
      const fromLayer = layerOf.get(from);
      const toLayer = layerOf.get(t.folder);
      if (toLayer >= fromLayer) context.report({ node, messageId: 'upward', data: { from, to: t.folder, fromLayer, toLayer } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
