/**
 * Self time per function from a V8 .cpuprofile (what `node --cpu-prof` writes at exit),
 * optionally only over a time window: the profile covers the whole process life, start-up and
 * TypeScript compilation included, and only the load window is of interest. Sample timestamps
 * are V8's monotonic clock in µs, the same clock as process.hrtime on Linux.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../periscope-command.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionSelfTime {
  function: string;
  /** Shortened: repo-relative, `pkg/path` for dependencies, `node:…` for Node's own. */
  location: string;
  /** Where the code comes from, for the rollup (node http, undici, periscope proxy/src/relay, …). */
  group: string;
  selfMs: number;
  /** Of every sample in the window, idle included. */
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, ms. */
  windowMs: number;
  /** Share of the window the thread was idle (waiting in the event loop). */
  idlePercent: number;
  /** False when no sample fell in the window (clock mismatch): the whole profile was used. */
  windowed: boolean;
  top: FunctionSelfTime[];
  groups: Array<{ group: string; selfMs: number; percent: number }>;
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function shortUrl(url: string): string {
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
}

const sources = new Map<string, string[]>();

/**
 * tsx compiles TypeScript to one line per file, so V8 reports line 1 (and a column) for every
 * function in it; the source line is found by the function's name instead. Anonymous functions
 * keep the file only. Compiled JavaScript keeps its real lines and never comes here.
 */
function lineByName(path: string, fn: string): number | undefined {
  if (!/^[A-Za-z_$][\w$]*$/.test(fn)) return undefined;
  const name = fn.replaceAll('$', '\\$');
  let lines = sources.get(path);
  if (!lines) {
    try {
      lines = readFileSync(path, 'utf8').split('\n');
    } catch {
      lines = [];
    }
    sources.set(path, lines);
  }
  const definitions = [
    new RegExp(`\\bfunction\\*?\\s+${name}\\s*[<(]`),
    new RegExp(`\\b(const|let|var)\\s+${name}\\s*(:[^=]+)?=`),
    new RegExp(`^\\s*(?:(?:public|private|protected|static|async|readonly|get|set|override)\\s+)*#?${name}\\s*[<(]`),
    new RegExp(`\\b${name}\\s*:\\s*(async\\s+)?(function\\b|\\()`),
    new RegExp(`\\bclass\\s+${name}\\b`),
  ];
  for (const re of definitions) {
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) return i + 1;
  }
  return undefined;
}

/** Native functions (no script URL) that belong to a Node subsystem. */
const NATIVE: Array<[RegExp, string]> = [
  [/^(writev|writeString|writeBuffer|write\w*String|shutdown|close|readStart|readStop|onStreamRead)$/, 'node: socket I/O (native)'],
  [/^(compileFunction|internalModuleStat|readFileUtf8|receiveMessageOnPort|compileSourceTextModule)$/, 'node: module loading and source maps'],
];

/** Node's own modules by family; the first match wins. */
const NODE_MODULES: Array<[RegExp, string]> = [
  [/http/, 'node: http'],
  [/^undici/, 'node: bundled undici (fetch)'],
  [/^(net|stream_base|tcp|dns)|\/net/, 'node: net'],
  [/stream/, 'node: streams'],
  [/^zlib/, 'node: zlib'],
  [/^(events|event_target|abort_controller)/, 'node: events and abort signals'],
  [/source_map|bootstrap|^modules|cjs-module-lexer|^vm|^process\/pre_execution/, 'node: module loading and source maps'],
  [/timers/, 'node: timers'],
  [/crypto/, 'node: crypto'],
  [/^(buffer|encoding)/, 'node: buffers and encoding'],
  [/^(fs|url|path)|\/fs/, 'node: fs, url, path'],
];

/** A coarse owner: Node's own module family, the npm package, or the Periscope source folder. */
function groupOf(functionName: string, location: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  if (!location) return NATIVE.find(([re]) => re.test(functionName))?.[1] ?? '(native / V8 builtins)';
  if (location.startsWith('node:')) {
    const mod = location.replace(/^node:(internal\/)?(deps\/)?/, '');
    return NODE_MODULES.find(([re]) => re.test(mod))?.[1] ?? 'node: other';
  }
  const parts = location.split('/');
  if (!location.startsWith('/') && !/^(proxy|ingest|clickhouse|testkit|bench)\//.test(location)) {
    // A dependency: its package name (scoped ones have two parts).
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0] ?? location;
  }
  // Periscope's own code: the folder under src (proxy/src/relay), or the file when at src's top.
  const src = parts.indexOf('src');
  return `periscope ${parts.slice(0, src >= 0 ? Math.min(parts.length, src + 2) : 2).join('/')}`;
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The source map next to a bundle (scripts/build-server.ts writes dist/<entry>.mjs.map). */
function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path)) {
    try {
      sourceMaps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      sourceMaps.set(path, undefined);
    }
  }
  return sourceMaps.get(path);
}

/** Compiled Periscope (dist/): the TypeScript source and line the bundle's position came from. */
function sourceOf(frame: CallFrame): string | undefined {
  if (!frame.url.startsWith('file://')) return undefined;
  const bundle = fileURLToPath(frame.url);
  if (!bundle.startsWith(join(REPO_ROOT, 'dist/'))) return undefined;
  const entry = sourceMapOf(bundle)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !('originalSource' in entry)) return undefined;
  return `${relative(REPO_ROOT, resolve(dirname(bundle), entry.originalSource))}:${entry.originalLine + 1}`;
}

/**
 * `file:line` for the table: for compiled Periscope the source's, through the bundle's source map;
 * for TypeScript run through tsx the line comes from the source, by name.
 */
function locate(frame: CallFrame, location: string): string {
  if (!location) return '';
  const source = sourceOf(frame);
  if (source) return source;
  if (frame.lineNumber > 0 || !location.endsWith('.ts') || !frame.url.startsWith('file://')) return `${location}:${frame.lineNumber + 1}`;
  const line = lineByName(decodeURIComponent(new URL(frame.url).pathname), frame.functionName);
  return line ? `${location}:${line}` : location;
}

/** Self time per function over [fromUs, toUs] (monotonic µs); the whole profile when either is missing or nothing falls inside. */
export function summarizeProfile(p: CpuProfile, topN: number, fromUs?: number, toUs?: number): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const times: number[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) times.push((t += d));
  const inWindow = (i: number) => fromUs === undefined || toUs === undefined || (times[i]! >= fromUs && times[i]! <= toUs);
  const windowed = fromUs !== undefined && toUs !== undefined && times.some((_, i) => inWindow(i));
  const use = (i: number) => !windowed || inWindow(i);

  const self = new Map<string, { fn: string; location: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (!use(i)) continue;
    // A sample lasts until the next one.
    const us = (times[i + 1] ?? p.endTime) - times[i]!;
    if (us <= 0) continue;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    const fn = node.callFrame.functionName || '(anonymous)';
    const location = shortUrl(node.callFrame.url);
    const key = `${fn}\u0000${location}\u0000${node.callFrame.lineNumber}:${node.callFrame.columnNumber}`;
    const entry = self.get(key) ?? { fn, location: locate(node.callFrame, location), us: 0 };
    entry.us += us;
    self.set(key, entry);
    total += us;
    if (fn === '(idle)') idle += us;
  }
  const pct = (us: number) => (total > 0 ? (100 * us) / total : 0);
  const all = [...self.values()].map((e) => ({
    function: e.fn, location: e.location, group: groupOf(e.fn, e.location.replace(/:\d+$/, '')), selfMs: e.us / 1000, percent: pct(e.us),
  }));
  const groups = new Map<string, number>();
  for (const f of all) groups.set(f.group, (groups.get(f.group) ?? 0) + f.selfMs);
  return {
    windowMs: total / 1000,
    idlePercent: pct(idle),
    windowed,
    top: all.filter((f) => f.function !== '(idle)').sort((a, b) => b.selfMs - a.selfMs).slice(0, topN),
    groups: [...groups].map(([group, ms]) => ({ group, selfMs: ms, percent: pct(ms * 1000) })).sort((a, b) => b.selfMs - a.selfMs),
  };
}
