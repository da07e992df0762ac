import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { PERISCOPE_CLI } from '../testing/cli-command.ts';

const run = promisify(execFile);

let mock: MockUpstream;
let dir: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';
let startupMs = 0;

function periscope(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [...PERISCOPE_CLI, ...args], { cwd: dir, env: { ...process.env, ...env } });
}

/** The CLI with `input` piped to stdin (how scripts give `users create` its password). */
function periscopeWithInput(args: string[], input: string, env: Record<string, string> = {}) {
  const p = run(process.execPath, [...PERISCOPE_CLI, ...args], { cwd: dir, env: { ...process.env, ...env } });
  p.child.stdin!.end(input);
  return p;
}

beforeAll(async () => {
  mock = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), 'periscope-cli-'));
  await writeFile(join(dir, 'periscope.yaml'), [
    'providers:',
    `  openai: { type: openai, base_url: "${mock.url}/v1", api_key: "\${TEST_OPENAI_KEY}" }`,
    `  anthropic: { type: anthropic, base_url: "${mock.url}", api_key: "sk-ant-configured-abcdefghijklmnop" }`,
    '',
  ].join('\n'));
  const t0 = Date.now();
  child = spawn(process.execPath, [...PERISCOPE_CLI, 'start', '--port', '0', '--data-dir', join(dir, 'data')], {
    cwd: dir, env: { ...process.env, PERISCOPE_ADMIN_TOKEN: '', TEST_OPENAI_KEY: 'sk-configured-abcdefghijklmnop' },
  });
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started in 60 s:\n${stdout}\n${stderr}`)), 60_000);
    child.stdout!.on('data', () => stdout.includes('Gateway key:') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
  });
  startupMs = Date.now() - t0;
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const printed = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(stdout)?.[1] ?? '';

describe('periscope start (embedded, first run)', () => {
  it('prints the UI URL, each SDK\'s base URL, an admin token and a gateway key, and serves traffic in under 30 s', async () => {
    const base = printed('UI and API').replace(/\/$/, '');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const key = printed('Gateway key');
    expect(key).toMatch(/^psk_/);
    expect(printed('Admin token')).toMatch(/^pat_/);

    // The banner's base URL for each SDK is the one that works with it.
    const openaiBase = printed('OpenAI SDK');
    const anthropicBase = printed('Anthropic');
    expect(openaiBase).toBe(`${base}/v1`);
    expect(anthropicBase).toBe(base);
    const anthropic = new Anthropic({ apiKey: key, baseURL: anthropicBase, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.type).toBe('message');
    expect(mock.requests.at(-1)!.path).toBe('/v1/messages');

    const openai = new OpenAI({ apiKey: key, baseURL: openaiBase, maxRetries: 0 });
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const answeredAt = Date.now();
    console.log(`periscope start: ready in ${startupMs} ms`);
    expect(startupMs).toBeLessThan(30_000);
    expect(mock.requests.at(-1)!.headers.authorization).toBe('Bearer sk-configured-abcdefghijklmnop');

    const id = response.headers.get('periscope-request-id')!;
    const admin = { authorization: `Bearer ${printed('Admin token')}` };
    let visibleAfter = -1;
    // 5 s, not the ~0.3 s of an idle machine: CI runs another test file beside this one.
    while (Date.now() - answeredAt < 5000) {
      const page = (await (await fetch(`${base}/api/requests`, { headers: admin })).json()) as { data: { request_id: string }[] };
      if (page.data.some((r) => r.request_id === id)) {
        visibleAfter = Date.now() - answeredAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    console.log(`row visible in /api/requests ${visibleAfter} ms after the response`);
    expect(visibleAfter).toBeGreaterThanOrEqual(0);
  });

  it('keys create refuses the held data directory and works through --url', async () => {
    const base = printed('UI and API').replace(/\/$/, '');
    const held = await periscope(['keys', 'create', '--project', 'team-a', '--data-dir', join(dir, 'data')]).catch((e) => e);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/--url/);

    const { stdout: out } = await periscope(['keys', 'create', '--project', 'team-a', '--url', base], { PERISCOPE_ADMIN_TOKEN: printed('Admin token') });
    const key = out.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^psk_/);
    const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });
    await expect(openai.models.list()).resolves.toBeTruthy();
  });

  it('says how to create the first account, and users create makes one through --url that can sign in', async () => {
    const base = printed('UI and API').replace(/\/$/, '');
    expect(stdout).toContain('pnpm periscope users create --email');
    const admin = { PERISCOPE_ADMIN_TOKEN: printed('Admin token') };
    const { stdout: out } = await periscopeWithInput(['users', 'create', '--email', 'Ops@Example.com', '--url', base], 'first admin password\n', admin);
    expect(out).toContain('admin account ops@example.com');
    const session = await fetch(`${base}/api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'first admin password' }),
    });
    expect(session.status).toBe(204);

    const short = await periscopeWithInput(['users', 'create', '--email', 'x@example.com', '--role', 'viewer', '--url', base], 'short\n', admin).catch((e) => e);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password must be/);
  });

  it('shuts down cleanly on SIGTERM, after which the CLI can use the data directory', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    const { stdout: migrated } = await periscope(['migrate', '--data-dir', join(dir, 'data')]);
    expect(migrated).toMatch(/up to date/);
    const { stdout: created } = await periscope(['keys', 'create', '--project', 'offline', '--data-dir', join(dir, 'data')]);
    expect(created.trim().split('\n').at(-1)).toMatch(/^psk_/);
    const { stdout: user } = await periscopeWithInput(['users', 'create', '--email', 'viewer@example.com', '--role', 'viewer', '--projects', 'team-a,team-b', '--data-dir', join(dir, 'data')], 'viewer password 1\n');
    expect(user).toContain('viewer account viewer@example.com');
    const duplicate = await periscopeWithInput(['users', 'create', '--email', 'VIEWER@example.com', '--data-dir', join(dir, 'data')], 'viewer password 2\n').catch((e) => e);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toMatch(/exists already/);
    expect(stderr).not.toMatch(/sk-configured/);
  });

  it('rejects a bad config with the path of the problem', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'providers:\n  x: { type: nope }\n');
    const err = await periscope(['start', '--config', join(dir, 'bad.yaml'), '--data-dir', join(dir, 'data2')]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/providers\.x\.type/);
  });
});
