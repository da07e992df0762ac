import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { RequestRow } from '@periscope/clickhouse';
import { parseConfig } from '@periscope/proxy';
import { suitePriorityEnv } from '@periscope/testkit';
import { startProxyRole } from '../roles/proxy-role.ts';
import { ADMIN_TOKEN, startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

// Deliberately not key-shaped, so only the exact-value scrub can catch it.
const CANARY = 'canary-7f3a9c1e5b2d4a6f8e0c';
// Key-shaped, so the pattern scrub catches it even when pasted into a prompt.
const SHAPED_CANARY = 'sk-proj-canaryQ9w8e7r6t5y4u3i2o1p0';
const CONFIGURED_CANARY = 'configured-canary-0a1b2c3d4e5f';
/** Shared with the distributed proxy below, which verifies the harness's keys. */
const SECRET = 'secrets-test-key-secret';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGatewayHarness((mockUrl) => ({
    vendor: { type: 'openai-compatible', base_url: `${mockUrl}/v1`, api_key: CONFIGURED_CANARY },
  }), { env: { PERISCOPE_SECRET: SECRET } });
});
afterAll(async () => h?.close());

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A stored stream's text as the request view joins it: OpenAI's `delta.content`, Anthropic's `delta.text`, the Responses API's `delta`. */
function streamedText(body: string): string {
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const event = JSON.parse(line.slice(6)) as { type?: string; delta?: unknown; choices?: { delta?: { content?: string } }[] };
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') text += event.delta;
    else if (event.type === 'content_block_delta') text += (event.delta as { text?: string }).text ?? '';
    else text += event.choices?.[0]?.delta?.content ?? '';
  }
  return text;
}

const vanished = (err: unknown) => (err as { code?: string }).code === 'ENOENT';

/**
 * Every file under dir with its bytes, from one walk in which no file went missing. The store's
 * background merges create and remove temporary part directories while the walk reads, so a walk
 * that met a vanished file or directory is done again rather than skipping what it missed.
 */
async function filesWithBytes(dir: string): Promise<Array<{ file: string; bytes: Buffer }>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const read: Array<{ file: string; bytes: Buffer }> = [];
      for (const file of await filesUnder(dir)) read.push({ file, bytes: await readFile(file) });
      return read;
    } catch (err) {
      if (!vanished(err) || attempt === 10) throw err;
    }
  }
}

describe('provider keys never reach storage, logs or the API', () => {
  it('scrubs a canary key sent in every header form', async () => {
    const { project, key } = await h.newProject();
    const gateway = { 'Periscope-Auth': `Bearer ${key}` };
    const prompt = [{ role: 'user' as const, content: `my keys are ${CANARY} and ${SHAPED_CANARY}` }];

    const openai = new OpenAI({ apiKey: CANARY, baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: gateway });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt, stream: true });
    for await (const _ of stream) { /* drain */ }
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt }, { headers: { 'x-mock-scenario': 'error-401' } }).catch(() => undefined);
    await openai.responses.create({ model: 'gpt-4.1-mini', input: `key ${CANARY}` });

    const anthropic = new Anthropic({ apiKey: CANARY, baseURL: h.url, maxRetries: 0, defaultHeaders: gateway });
    await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages: prompt });
    await fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { ...gateway, 'x-api-key': CANARY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 20, messages: prompt }),
    });
    await fetch(`${h.url}/azure/v1/chat/completions`, {
      method: 'POST',
      headers: { ...gateway, 'api-key': CANARY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dep', messages: prompt }),
    });
    await fetch(`${h.url}/gemini/v1/chat/completions`, {
      method: 'POST',
      headers: { ...gateway, 'x-goog-api-key': CANARY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: prompt }),
    });
    // Invalid JSON is stored raw; the canary inside must still be scrubbed.
    await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', headers: { ...gateway, authorization: `Bearer ${CANARY}`, 'content-type': 'application/json' }, body: `{"oops": "${CANARY}"`,
    });
    // The configured key goes upstream and must not leak either. (This call carries no client
    // key, so an unshaped string in its prompt is just text: only the shaped canary is sent.)
    await fetch(`${h.url}/vendor/v1/chat/completions`, {
      method: 'POST',
      headers: { ...gateway, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `key ${SHAPED_CANARY}` }] }),
    });

    const rows = await h.rows(project, 'limit=100', 10);
    expect(rows.length).toBe(10);
    expect(h.mock.requests.some((r) => r.headers.authorization === `Bearer ${CANARY}`)).toBe(true);
    expect(h.mock.requests.some((r) => r.headers.authorization === `Bearer ${CONFIGURED_CANARY}`)).toBe(true);

    const apiOutput = [JSON.stringify(rows)];
    for (const r of rows as RequestRow[]) apiOutput.push((await h.api(`/api/requests/${r.request_id}?project=${project}`)).text);
    apiOutput.push((await h.api('/api/keys')).text, await (await fetch(`${h.url}/metrics`)).text());
    const everything = apiOutput.join('\n');
    expect(everything).toContain('[REDACTED]');
    const leakIn = (text: string, secret: string) => {
      const at = text.indexOf(secret);
      return at < 0 ? null : text.slice(Math.max(0, at - 200), at + secret.length + 50);
    };
    for (const secret of [CANARY, SHAPED_CANARY, CONFIGURED_CANARY, key]) {
      expect(leakIn(everything, secret), 'API output').toBeNull();
      expect(leakIn(h.logs(), secret), 'logs').toBeNull();
    }

    await h.server.flush();
    for (const { file, bytes } of await filesWithBytes(h.dataDir)) {
      for (const secret of [CANARY, SHAPED_CANARY, CONFIGURED_CANARY, key]) {
        expect(bytes.includes(secret), `${secret} found in ${file}`).toBe(false);
      }
    }
  });

  it('keeps a key that a model quotes token by token out of the stored answer, as the request view joins it', async () => {
    const { project, key } = await h.newProject();
    const gateway = { 'Periscope-Auth': `Bearer ${key}`, 'x-mock-scenario': 'quote-prompt' };
    const prompt = `my .env says OPENAI_API_KEY=${SHAPED_CANARY} and MY_TOKEN=${CANARY} ok`;
    const openai = new OpenAI({ apiKey: CANARY, baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: gateway });
    let relayed = '';
    for await (const chunk of await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], stream: true })) relayed += chunk.choices[0]?.delta.content ?? '';
    // The client gets the answer as the model wrote it: only what is stored is scrubbed.
    expect(relayed).toContain(SHAPED_CANARY);
    for await (const _ of await openai.responses.create({ model: 'gpt-4.1-mini', input: prompt, stream: true })) { /* drain */ }
    const anthropic = new Anthropic({ apiKey: CANARY, baseURL: h.url, maxRetries: 0, defaultHeaders: gateway });
    for await (const _ of anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: prompt }] })) { /* drain */ }

    const rows = (await h.rows(project, 'limit=10', 3)) as RequestRow[];
    const joined: string[] = [];
    for (const r of rows) {
      const detail = await h.row(r.request_id, project);
      expect(detail.streamed, r.endpoint).toBe(true);
      joined.push(streamedText(detail.response_body));
    }
    for (const text of joined) {
      expect(text).toContain('OPENAI_API_KEY=[REDACTED]');
      expect(text).toContain('MY_TOKEN=[REDACTED] ok');
      for (const secret of [SHAPED_CANARY, CANARY]) expect(text).not.toContain(secret);
    }
  });

  it('scrubs keys from metadata headers (user, session, properties, request id), the model and user agent, and from logged URLs', async () => {
    const { project, key } = await h.newProject();
    const planted = {
      user: 'psk_userCanary0123456789abcdefghij',
      property: 'sk-proj-propertyCanary0123456789ab',
      propertyName: 'sk-proj-propertynameCanary0123456',
      session: 'sk-ant-api03-sessionCanary01234567',
      sessionName: 'Bearer sessionNameCanary0123456789abc',
      requestId: 'sk-proj-requestIdCanary0123456789',
      model: 'sk-proj-modelCanary0123456789abcdef',
      agent: 'AKIAIOSFODNN7CANARY0',
      path: 'sk-proj-pathCanary0123456789abcdefg',
      query: 'AIzaSyQueryCanary0123456789abcdefghijkl',
    };
    const res = await fetch(`${h.url}/vendor/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'periscope-auth': `Bearer ${key}`, authorization: `Bearer ${CANARY}`,
        'Periscope-User-Id': planted.user, 'Periscope-Property-Team': `team ${planted.property}`, [`Periscope-Property-${planted.propertyName}`]: 'x',
        'Periscope-Session-Id': planted.session, 'Periscope-Session-Path': `/agent/${CANARY}/step`, 'Periscope-Session-Name': planted.sessionName,
        'Helicone-Request-Id': planted.requestId, 'user-agent': `agent/1.0 ${planted.agent}`,
      },
      body: JSON.stringify({ model: planted.model, messages: [{ role: 'user', content: 'metadata' }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // A request id that holds a key is not taken: the call gets one of the gateway's own.
    const requestId = res.headers.get('periscope-request-id')!;
    expect(requestId).not.toContain('Canary');
    await (await fetch(`${h.url}/vendor/v1/models/${planted.path}?key=${planted.query}`, { headers: { 'periscope-auth': `Bearer ${key}` } })).arrayBuffer();

    const rows = await h.rows(project, '', 2);
    const detail = await h.row(requestId, project);
    expect(detail).toMatchObject({ user_id: '[REDACTED]', session_id: '[REDACTED]', session_path: '/agent/[REDACTED]/step', session_name: '[REDACTED]', model: '[REDACTED]' });
    expect(detail.properties).toEqual({ team: 'team [REDACTED]', '[REDACTED]': 'x' });
    const everything = [JSON.stringify(rows), JSON.stringify(detail), h.logs(), await (await fetch(`${h.url}/metrics`)).text()].join('\n');
    for (const value of [...Object.values(planted), CANARY]) {
      const at = everything.indexOf(value);
      expect(at < 0 ? null : everything.slice(Math.max(0, at - 300), at + 60), value).toBeNull();
    }
  });

  it('keeps them out of the Kafka spool of a distributed proxy whose broker is down, and out of its logs', async () => {
    const { key } = await h.newProject();
    const dir = await mkdtemp(join(tmpdir(), 'periscope-secrets-spool-'));
    let logText = '';
    const logStream = new Writable({ write(chunk, _enc, cb) { logText += String(chunk); cb(); } });
    // Port 9 refuses connections: every event goes to the disk spool.
    const config = parseConfig({
      providers: { openai: { type: 'openai', base_url: `${h.mock.url}/v1` }, anthropic: { type: 'anthropic', base_url: h.mock.url } },
      kafka: { brokers: ['127.0.0.1:9'], memory_queue_events: 1, spool: { fsync_interval_ms: 20 } },
    }, suitePriorityEnv());
    const role = await startProxyRole({
      config, dataDir: dir, controlUrl: h.url, env: { PERISCOPE_SECRET: SECRET, PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN }, logger: { level: 'debug', stream: logStream },
    });
    try {
      const url = await role.app.listen({ port: 0, host: '127.0.0.1' });
      const gateway = { 'Periscope-Auth': `Bearer ${key}` };
      const prompt = [{ role: 'user' as const, content: `my keys are ${CANARY} and ${SHAPED_CANARY}` }];
      const openai = new OpenAI({ apiKey: CANARY, baseURL: `${url}/v1`, maxRetries: 0, defaultHeaders: gateway });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt }, { headers: { 'x-mock-scenario': 'error-401' } }).catch(() => undefined);
      const anthropic = new Anthropic({ apiKey: CANARY, baseURL: url, maxRetries: 0, defaultHeaders: gateway });
      await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages: prompt });
    } finally {
      // Closing moves whatever is still in memory to the spool and fsyncs it.
      await role.app.close();
    }
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const files = await filesUnder(dir);
    const spooled = (await Promise.all(files.filter((f) => f.endsWith('.seg')).map((f) => readFile(f, 'utf8')))).join('');
    expect(spooled.match(/"request_id"/g)?.length, 'events in the spool').toBe(3);
    expect(spooled).toContain('[REDACTED]');
    for (const file of files) {
      const bytes = await readFile(file);
      for (const secret of [CANARY, SHAPED_CANARY, key]) expect(bytes.includes(secret), `${secret} found in ${file}`).toBe(false);
    }
    for (const secret of [CANARY, SHAPED_CANARY, key]) expect(logText.includes(secret), `${secret} in the proxy's logs`).toBe(false);
  });
});
