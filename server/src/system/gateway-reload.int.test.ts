import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

let h: GatewayHarness;
let other: MockUpstream;
let dir: string;
let path: string;

/** The file as an operator edits it: `chat` moves between two providers, `extra` comes and goes. */
function configText(version: number): string {
  const target = version % 2 === 0 ? 'left' : 'right';
  const models: Record<string, unknown> = { chat: { deployments: [{ provider: target, model: 'gpt-4o-mini' }] } };
  if (version >= 3) models.extra = { deployments: [{ provider: 'left', model: 'gpt-4o' }] };
  return JSON.stringify({
    providers: {
      left: { type: 'openai-compatible', base_url: `${h.mock.url}/v1`, api_key: 'sk-left-0000000000000000' },
      right: { type: 'openai-compatible', base_url: `${other.url}/v1`, api_key: 'sk-right-000000000000000' },
    },
    models,
  });
}

beforeAll(async () => {
  other = await startMockUpstream({ latencyMs: 5 });
  dir = await mkdtemp(join(tmpdir(), 'periscope-reload-'));
  path = join(dir, 'periscope.yaml');
  // The harness needs the mock's URL before the file can name it: start with a placeholder file.
  await writeFile(path, '{}');
  h = await startGatewayHarness(() => ({}), {
    configFile: path,
    config: (mockUrl) => ({
      providers: {
        left: { type: 'openai-compatible', base_url: `${mockUrl}/v1`, api_key: 'sk-left-0000000000000000' },
        right: { type: 'openai-compatible', base_url: `${other.url}/v1`, api_key: 'sk-right-000000000000000' },
      },
      models: { chat: { deployments: [{ provider: 'left', model: 'gpt-4o-mini' }] } },
    }),
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await other?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('config hot reload', () => {
  it('reloads five times under load without failing or losing a call; new models route after the reload', async () => {
    const { key, project } = await h.newProject();
    let stop = false;
    let sent = 0;
    const statuses: number[] = [];
    const worker = async () => {
      while (!stop) {
        sent++;
        const res = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, 'x-mock-scenario': 'slow-headers-20' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'reload me' }] }),
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    for (let version = 1; version <= 5; version++) {
      await new Promise((r) => setTimeout(r, 250));
      await writeFile(path, configText(version));
    }
    await new Promise((r) => setTimeout(r, 400));
    stop = true;
    await load;

    expect(statuses.length).toBe(sent);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Both providers served `chat`: the reloads took effect while calls were in flight.
    expect(h.mock.requests.length).toBeGreaterThan(0);
    expect(other.requests.length).toBeGreaterThan(0);
    const rows = await h.rows(project, 'limit=1000', sent);
    expect(rows).toHaveLength(sent);

    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}` },
      body: JSON.stringify({ model: 'extra', messages: [{ role: 'user', content: 'new model' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('periscope-provider')).toBe('left');
  }, 30_000);

  it('a provider key added by a reload is scrubbed from what the provider quotes back, from the next call on', async () => {
    const rotated = 'rotated-canary-5e1d9a7c3b0f2468';
    await writeFile(path, JSON.stringify({
      providers: {
        left: { type: 'openai-compatible', base_url: `${h.mock.url}/v1`, keys: [{ key: rotated }] },
        right: { type: 'openai-compatible', base_url: `${other.url}/v1`, api_key: 'sk-right-000000000000000' },
      },
      models: { chat: { deployments: [{ provider: 'left', model: 'gpt-4o-mini' }] }, extra: { deployments: [{ provider: 'left', model: 'gpt-4o' }] } },
    }));
    const { key } = await h.newProject();
    const call = () => fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, 'x-mock-scenario': 'error-401,echo-key' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'which key?' }] }),
    });
    // Until the reload lands the old key goes out; once the new one does, it must not come back.
    await expect.poll(async () => {
      const res = await call();
      await res.arrayBuffer();
      return h.mock.requests.at(-1)!.headers.authorization;
    }, { timeout: 5000 }).toBe(`Bearer ${rotated}`);
    const res = await call();
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(text).not.toContain(rotated);
    expect(text).toContain('Incorrect API key provided: [REDACTED].');
    expect(res.headers.get('x-debug-api-key')).toBe('[REDACTED]');
  });

  it('a broken file keeps the running config and logs the path of the problem', async () => {
    await writeFile(path, JSON.stringify({ models: { chat: { deployments: [{ provider: 'nowhere' }] } } }));
    await expect.poll(() => h.logs().includes('config reload failed'), { timeout: 3000 }).toBe(true);
    expect(h.logs()).toMatch(/models\.chat\.deployments\.0\.provider: unknown provider \\"nowhere\\"/);
    const { key } = await h.newProject();
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'periscope-auth': `Bearer ${key}` },
      body: JSON.stringify({ model: 'extra', messages: [{ role: 'user', content: 'still here' }] }),
    });
    expect(res.status).toBe(200);
  });
});
