import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { connect, type ConnectAgent } from './connect-command.ts';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'periscope-home-'));
});
afterEach(async () => rm(home, { recursive: true, force: true }));

const KEY = 'psk_test_0123456789abcdef';
async function run(agent: ConnectAgent, write = true) {
  const lines: string[] = [];
  await connect({ agent, url: 'http://127.0.0.1:8787/', key: KEY, home, statusLineCommand: '/usr/bin/node main.ts statusline', write, now: () => new Date(Date.UTC(2026, 11, 2)), log: (l) => lines.push(l) });
  return lines;
}
interface Toml { model_provider: string; model_providers: Record<string, Record<string, unknown>>; profiles: unknown }
const backups = async (dir: string) => (await readdir(dir)).filter((f) => f.includes('.periscope-backup-'));

describe('connect claude-code --write', () => {
  it('creates ~/.claude/settings.json with the gateway, the key and the status line', async () => {
    await run('claude-code');
    const settings = JSON.parse(await readFile(join(home, '.claude', 'settings.json'), 'utf8'));
    expect(settings).toEqual({
      env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8787', ANTHROPIC_AUTH_TOKEN: KEY, CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' },
      statusLine: { type: 'command', command: '/usr/bin/node main.ts statusline', padding: 0 },
    });
    expect(await backups(join(home, '.claude'))).toEqual([]);
  });

  it("keeps the user's own entries and status line, and backs the file up first", async () => {
    await mkdir(join(home, '.claude'));
    const mine = { model: 'opus', env: { MY_VAR: '1', ANTHROPIC_BASE_URL: 'https://old.example' }, permissions: { allow: ['Bash(ls)'] }, statusLine: { type: 'command', command: 'my-bar.sh' } };
    await writeFile(join(home, '.claude', 'settings.json'), JSON.stringify(mine, null, 2));
    const log = await run('claude-code');
    const settings = JSON.parse(await readFile(join(home, '.claude', 'settings.json'), 'utf8'));
    expect(settings).toEqual({
      model: 'opus',
      env: { MY_VAR: '1', ANTHROPIC_BASE_URL: 'http://127.0.0.1:8787', ANTHROPIC_AUTH_TOKEN: KEY, CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' },
      permissions: { allow: ['Bash(ls)'] },
      statusLine: { type: 'command', command: 'my-bar.sh' },
    });
    expect(log.join('\n')).toMatch(/kept your own statusLine/);
    const [backup] = await backups(join(home, '.claude'));
    expect(JSON.parse(await readFile(join(home, '.claude', backup!), 'utf8'))).toEqual(mine);
    // Connecting again replaces Periscope's own entries, still keeps the user's.
    await run('claude-code');
    expect(JSON.parse(await readFile(join(home, '.claude', 'settings.json'), 'utf8'))).toEqual(settings);
  });

  it('leaves the key readable by its user alone: an existing 0644 file, its backup and older backups become 0600', async () => {
    await mkdir(join(home, '.claude'));
    const file = join(home, '.claude', 'settings.json');
    await writeFile(file, JSON.stringify({ env: { ANTHROPIC_AUTH_TOKEN: 'psk_an_older_key' } }), { mode: 0o644 });
    await chmod(file, 0o644);
    // As an earlier version of connect left one.
    const older = join(home, '.claude', 'settings.json.periscope-backup-2026-01-01T00-00-00-000Z');
    await writeFile(older, '{}', { mode: 0o644 });
    await chmod(older, 0o644);
    const other = join(home, '.claude', 'other.json');
    await writeFile(other, '{}', { mode: 0o644 });
    await chmod(other, 0o644);
    await run('claude-code');
    const made = (await backups(join(home, '.claude'))).filter((name) => !older.endsWith(name));
    expect(made).toHaveLength(1);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, '.claude', made[0]!))).mode & 0o777).toBe(0o600);
    expect((await stat(older)).mode & 0o777).toBe(0o600);
    expect((await stat(other)).mode & 0o777, 'a file that is no backup of it').toBe(0o644);
  });

  it('refuses a settings file that is not JSON and leaves it as it was', async () => {
    await mkdir(join(home, '.claude'));
    await writeFile(join(home, '.claude', 'settings.json'), '{ "model": ');
    await expect(run('claude-code')).rejects.toThrow(/settings\.json: not valid JSON/);
    expect(await readFile(join(home, '.claude', 'settings.json'), 'utf8')).toBe('{ "model": ');
  });

  it('without --write only prints', async () => {
    const log = await run('claude-code', false);
    expect(log.join('\n')).toContain('"ANTHROPIC_AUTH_TOKEN": "psk_test_0123456789abcdef"');
    await expect(readdir(home)).resolves.toEqual([]);
  });
});

describe('connect codex --write', () => {
  it('adds the provider to a config.toml with the user’s comments, keys and other providers', async () => {
    await mkdir(join(home, '.codex'));
    const mine = [
      '# my codex settings',
      'model = "gpt-6.2-sol"  # the one I like',
      'model_provider = "openai"',
      '',
      '[model_providers.periscope]',
      'name = "old"',
      'base_url = "http://old.example/v1"',
      '',
      '# local models',
      '[model_providers.ollama]',
      'name = "Ollama"',
      'base_url = "http://localhost:11434/v1"',
      '',
      '[profiles.fast]',
      'model = "gpt-6-luna"',
      '',
    ].join('\n');
    await writeFile(join(home, '.codex', 'config.toml'), mine);
    await run('codex');
    const text = await readFile(join(home, '.codex', 'config.toml'), 'utf8');
    for (const kept of ['# my codex settings', 'model = "gpt-6.2-sol"  # the one I like', '# local models', '[profiles.fast]']) expect(text).toContain(kept);
    expect(text).not.toContain('http://old.example');
    const parsed = parseToml(text) as unknown as Toml;
    expect(parsed.model_provider).toBe('periscope');
    expect(parsed.model_providers.periscope).toEqual({
      name: 'Periscope', base_url: 'http://127.0.0.1:8787/v1', wire_api: 'responses', http_headers: { 'Periscope-Auth': `Bearer ${KEY}` },
    });
    expect(parsed.model_providers.ollama).toEqual({ name: 'Ollama', base_url: 'http://localhost:11434/v1' });
    expect(parsed.profiles).toEqual({ fast: { model: 'gpt-6-luna' } });
    const [backup] = await backups(join(home, '.codex'));
    expect(await readFile(join(home, '.codex', backup!), 'utf8')).toBe(mine);
  });

  it('creates the file when there is none, and refuses a provider defined with dotted keys', async () => {
    await run('codex');
    expect((parseToml(await readFile(join(home, '.codex', 'config.toml'), 'utf8')) as unknown as Toml).model_providers.periscope!.wire_api).toBe('responses');
    await writeFile(join(home, '.codex', 'config.toml'), 'model_providers.periscope.name = "x"\n');
    await expect(run('codex')).rejects.toThrow(/dotted keys or an inline table/);
  });
});

describe('connect gemini-cli and the SDKs', () => {
  it('gemini-cli: sets the base URL and key in ~/.gemini/.env, keeping other lines', async () => {
    await mkdir(join(home, '.gemini'));
    await writeFile(join(home, '.gemini', '.env'), '# mine\nOTHER=1\nGEMINI_API_KEY=old\n');
    await run('gemini-cli');
    expect(await readFile(join(home, '.gemini', '.env'), 'utf8')).toBe(`# mine\nOTHER=1\nGEMINI_API_KEY=${KEY}\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8787/gemini-native\n`);
    expect(JSON.parse(await readFile(join(home, '.gemini', 'settings.json'), 'utf8'))).toEqual({ security: { auth: { selectedType: 'gemini-api-key' } } });
  });

  it('openai-sdk: prints the environment, writes nothing', async () => {
    const log = await run('openai-sdk');
    expect(log).toContain('  export OPENAI_BASE_URL=http://127.0.0.1:8787/v1');
    await expect(readdir(home)).resolves.toEqual([]);
  });
});
