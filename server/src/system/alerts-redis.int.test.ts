import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createRedisClient, redisReady } from '@periscope/proxy';
import { startRedisServer, type RedisServer } from '@periscope/testkit';
import { apiRequest } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from '@periscope/control-plane/testing';

/** With PERISCOPE_REDIS_URL the evaluator leads through a Redis key, and a shutdown hands it over. */
let redis: RedisServer;
let h: GatewayHarness;
let hook: WebhookReceiver;

beforeAll(async () => {
  redis = await startRedisServer();
  hook = await startWebhookReceiver();
  h = await startGatewayHarness(() => ({}), { env: { PERISCOPE_REDIS_URL: redis.url }, config: () => ({ alerts: { allow_private_targets: true } }) });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await hook?.close();
  await redis?.stop();
});

describe('alert evaluator with Redis', () => {
  it('holds the lease as a Redis key, fires a rule, and releases the key on shutdown', async () => {
    const client = await createRedisClient({ url: redis.url });
    try {
      await redisReady(client);
      const deadline = Date.now() + 10_000;
      while (!(await client.get('periscope:lease:alert-evaluator')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await client.get('periscope:lease:alert-evaluator')).toContain(`:${process.pid}:`);
      expect(h.server.alerts.leading).toBe(true);

      const { project, key } = await h.newProject();
      const openai = new OpenAI({ apiKey: 'unused', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      await h.rows(project, '', 1);
      const created = await apiRequest(h.url, 'POST', '/api/alerts', { admin: true }, {
        name: 'any traffic', metric: 'requests', window: '5m', comparator: '>=', threshold: 1, interval: '1s', project,
        channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}` }],
      });
      expect(created.status, created.text).toBe(201);
      const [fired] = await hook.waitFor((r) => r.path === `/hooks/${project}`, 1, 10_000);
      expect(fired!.body).toMatchObject({ rule: 'any traffic', state: 'firing', value: 1 });

      await h.server.alerts.stop();
      expect(await client.get('periscope:lease:alert-evaluator')).toBeNull();
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
