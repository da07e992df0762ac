import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MergeError, mergeDotenv, mergeJson, mergeToml } from './merge-settings.ts';

export const CONNECT_AGENTS = ['claude-code', 'codex', 'gemini-cli', 'openai-sdk', 'anthropic-sdk'] as const;
export type ConnectAgent = (typeof CONNECT_AGENTS)[number];

export interface ConnectOptions {
  agent: ConnectAgent;
  /** The gateway as the agent reaches it, e.g. http://127.0.0.1:8787. */
  url: string;
  key: string;
  home: string;
  /** The command Claude Code's status line runs. */
  statusLineCommand: string;
  write: boolean;
  now?: () => Date;
  log: (line: string) => void;
}

/** What one file gets: its path and a function from the old text to the new. */
interface FileEdit {
  path: string;
  describe: string[];
  apply(old: string): string;
}

const STATUS_LINE_MARK = 'statusline';

function editsFor(o: ConnectOptions): { edits: FileEdit[]; notes: string[] } {
  const base = o.url.replace(/\/+$/, '');
  if (o.agent === 'claude-code') {
    const env = { ANTHROPIC_BASE_URL: base, ANTHROPIC_AUTH_TOKEN: o.key, CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' };
    const statusLine = { type: 'command', command: o.statusLineCommand, padding: 0 };
    const path = join(o.home, '.claude', 'settings.json');
    return {
      edits: [{
        path,
        describe: [JSON.stringify({ env, statusLine }, null, 2)],
        apply: (old) => {
          const merged = mergeJson(old, [
            ...Object.entries(env).map(([k, v]): [string[], unknown] => [['env', k], v]),
            [['statusLine'], statusLine],
          ], (p, value) => p[0] === 'statusLine' && !JSON.stringify(value).includes(STATUS_LINE_MARK));
          if (merged.kept.length > 0) o.log(`  kept your own statusLine in ${path}; Periscope's would run: ${o.statusLineCommand}`);
          return merged.text;
        },
      }],
      notes: ['Claude Code sends the key as "Authorization: Bearer"; Periscope uses its configured Anthropic key upstream.'],
    };
  }
  if (o.agent === 'codex') {
    const body = [
      'name = "Periscope"',
      `base_url = ${JSON.stringify(`${base}/v1`)}`,
      'wire_api = "responses"',
      `http_headers = { "Periscope-Auth" = ${JSON.stringify(`Bearer ${o.key}`)} }`,
    ];
    return {
      edits: [{
        path: join(o.home, '.codex', 'config.toml'),
        describe: ['model_provider = "periscope"', '', '[model_providers.periscope]', ...body],
        apply: (old) => mergeToml(old, { model_provider: '"periscope"' }, 'model_providers.periscope', body),
      }],
      notes: ['Codex sends no key of its own to this provider; Periscope uses its configured OpenAI key upstream.'],
    };
  }
  if (o.agent === 'gemini-cli') {
    return {
      edits: [
        {
          path: join(o.home, '.gemini', '.env'),
          describe: [`GOOGLE_GEMINI_BASE_URL=${base}/gemini-native`, `GEMINI_API_KEY=${o.key}`],
          apply: (old) => mergeDotenv(old, { GOOGLE_GEMINI_BASE_URL: `${base}/gemini-native`, GEMINI_API_KEY: o.key }),
        },
        {
          path: join(o.home, '.gemini', 'settings.json'),
          describe: ['{ "security": { "auth": { "selectedType": "gemini-api-key" } } }'],
          apply: (old) => mergeJson(old, [[['security', 'auth', 'selectedType'], 'gemini-api-key']]).text,
        },
      ],
      notes: [
        'Gemini CLI speaks the native Gemini API: add a provider for it to periscope.yaml, e.g.',
        '  gemini-native: { type: openai-compatible, base_url: https://generativelanguage.googleapis.com }',
        'Its calls are logged as pass-through (agent and version recorded; no token usage or cost yet).',
      ],
    };
  }
  const env = o.agent === 'openai-sdk'
    ? [`OPENAI_BASE_URL=${base}/v1`, `OPENAI_API_KEY=${o.key}`]
    : [`ANTHROPIC_BASE_URL=${base}`, `ANTHROPIC_API_KEY=${o.key}`];
  return { edits: [], notes: ['Set in the environment of your program (the SDK reads them):', ...env.map((e) => `  export ${e}`), 'Group calls into sessions with the header Periscope-Session-Id.'] };
}

/** The backups connect made of `path`, this run's included. */
async function backupsOf(path: string): Promise<string[]> {
  const prefix = `${basename(path)}.periscope-backup-`;
  return (await readdir(dirname(path))).filter((name) => name.startsWith(prefix)).map((name) => join(dirname(path), name));
}

async function readOrEmpty(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * `periscope connect <agent>`: prints the exact settings that point the agent at this gateway,
 * and with --write merges them into the agent's own files: a backup of each file first, the
 * user's other entries (and comments, in TOML and dotenv files) kept.
 */
export async function connect(o: ConnectOptions): Promise<void> {
  const { edits, notes } = editsFor(o);
  for (const e of edits) {
    o.log(`${e.path}:`);
    for (const line of e.describe.join('\n').split('\n')) o.log(`  ${line}`);
  }
  for (const n of notes) o.log(n);
  if (!o.write) {
    if (edits.length > 0) o.log('Run again with --write to merge these into the files above (each is backed up first).');
    return;
  }
  if (edits.length === 0) {
    o.log('Nothing to write for this agent: it is configured in your program.');
    return;
  }
  const stamp = (o.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
  for (const e of edits) {
    const old = await readOrEmpty(e.path);
    let next: string;
    try {
      next = e.apply(old ?? '');
    } catch (err) {
      if (err instanceof MergeError) throw new MergeError(`${e.path}: ${err.message}`);
      throw err;
    }
    await mkdir(dirname(e.path), { recursive: true });
    if (old !== undefined) {
      const backup = `${e.path}.periscope-backup-${stamp}`;
      await copyFile(e.path, backup);
      // The file may hold a key from before, and will hold this one: its user's alone, as a new
      // file is; and so are the backups earlier runs left as readable as the file was.
      await chmod(e.path, 0o600);
      for (const earlier of await backupsOf(e.path)) await chmod(earlier, 0o600);
      o.log(`backed up ${e.path} to ${backup}`);
    }
    await writeFile(e.path, next, { mode: 0o600 });
    o.log(`wrote ${e.path}`);
  }
}
