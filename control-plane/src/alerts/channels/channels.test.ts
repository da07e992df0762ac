import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../testing/webhook-receiver.ts';
import {
  channelContext, MASK, maskChannel, parseChannels, SecretBox, sendNotification, signatureHeader, verifySignature,
} from './index.ts';
import type { Channel, Notification } from '@periscope/contract';

const notification: Notification = {
  title: '[FIRING] spend spike for model = gpt-4o <prod>',
  text: 'cost is $0.73 & rising',
  link: 'http://periscope.example/requests?model=gpt-4o',
  json: { rule: 'spend spike', state: 'firing', value: 0.73 },
};
const open = channelContext({ allowPrivateTargets: true, attempts: 3, baseDelayMs: 20 });
const strict = channelContext({ allowPrivateTargets: false, attempts: 3, baseDelayMs: 20 });

let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => hook?.close());

describe('webhook channel', () => {
  it('posts the JSON with a signature over the timestamp and the exact bytes', async () => {
    const delivery = await sendNotification({ type: 'webhook', url: `${hook.url}/signed`, secret: 'top-secret' }, notification, open);
    expect(delivery).toEqual({ channel: 'webhook', target: `${hook.url}/signed`, ok: true, attempts: 1, status: 204 });
    const [got] = await hook.waitFor((r) => r.path === '/signed');
    expect(got!.body).toEqual(notification.json);
    const header = String(got!.headers['periscope-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature('top-secret', got!.raw, header)).toBe(true);
    expect(verifySignature('top-secret', `${got!.raw} `, header)).toBe(false);
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
    expect(header).toBe(signatureHeader('top-secret', got!.raw, t));
    // A replay of an old delivery fails the age check.
    expect(verifySignature('top-secret', got!.raw, header, 300, t + 301)).toBe(false);
  });

  it('retries a failing receiver with backoff and succeeds on the third try', async () => {
    hook.failNext(2, 503);
    const delivery = await sendNotification({ type: 'webhook', url: `${hook.url}/retry` }, notification, open);
    expect(delivery).toMatchObject({ ok: true, attempts: 3, status: 204 });
    expect((await hook.waitFor((r) => r.path === '/retry')).length).toBe(1);
  });

  it('does not retry a refusal (4xx) and reports the last status', async () => {
    hook.failNext(1, 400);
    expect(await sendNotification({ type: 'webhook', url: `${hook.url}/refused` }, notification, open)).toMatchObject({ ok: false, attempts: 1, status: 400, error: 'HTTP 400' });
    hook.failNext(5, 500);
    expect(await sendNotification({ type: 'webhook', url: `${hook.url}/down` }, notification, open)).toMatchObject({ ok: false, attempts: 3, status: 500 });
    hook.failNext(0, 500);
  });

  it('refuses loopback, private and metadata targets unless the config allows them, without retrying', async () => {
    const before = hook.received.length;
    for (const url of [`${hook.url}/guarded`, hook.url.replace('127.0.0.1', 'localhost'), 'http://169.254.169.254/latest/meta-data', 'http://[::1]:9/x', 'http://10.1.2.3/x']) {
      const delivery = await sendNotification({ type: 'webhook', url }, notification, strict);
      expect(delivery.ok, url).toBe(false);
      expect(delivery.attempts, url).toBe(1);
      expect(delivery.error, url).toMatch(/refused/);
    }
    expect(hook.received.length).toBe(before);
  });
});

describe('Slack channel', () => {
  it('sends readable text with the link in Slack markup, escaped', async () => {
    const delivery = await sendNotification({ type: 'slack', url: `${hook.url}/slack/T0/B0/xyz` }, notification, open);
    expect(delivery).toMatchObject({ ok: true, channel: 'slack', target: hook.url.replace('http://', '') });
    const [got] = await hook.waitFor((r) => r.path === '/slack/T0/B0/xyz');
    expect(got!.body).toEqual({
      text: '*[FIRING] spend spike for model = gpt-4o &lt;prod&gt;*\ncost is $0.73 &amp; rising\n<http://periscope.example/requests?model=gpt-4o|Open in Periscope>',
    });
    expect(got!.headers['periscope-signature']).toBeUndefined();
  });
});

describe('channel secrets', () => {
  const channels: Channel[] = [
    { type: 'webhook', url: 'https://hooks.example.com/x', secret: 's3cret' },
    { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/abcdef' },
    { type: 'email', to: ['ops@example.com'], smtp: { host: 'smtp.example.com', port: 587, secure: false, starttls: 'required', from: 'a@example.com', reject_unauthorized: true, user: 'u', password: 'pw' } },
  ];

  it('seals every secret so the stored text holds none, and opens them again', () => {
    const box = new SecretBox(Buffer.from('server-secret'));
    const sealed = channels.map((c) => box.seal(c));
    const text = JSON.stringify(sealed);
    for (const secret of ['s3cret', 'abcdef', '"pw"']) expect(text).not.toContain(secret);
    expect(sealed.map((c) => box.open(c))).toEqual(channels);
  });

  it('leaves a secret sealed under another server secret, and a delivery says why it cannot send', async () => {
    const sealed = new SecretBox(Buffer.from('old')).seal(channels[0]!);
    const opened = new SecretBox(Buffer.from('new')).open(sealed);
    expect(opened).toEqual(sealed);
    expect(await sendNotification(opened, notification, open)).toMatchObject({ ok: false, attempts: 0, error: expect.stringMatching(/cannot be decrypted/) });
  });

  it('masks secrets for the API, and a masked value sent back keeps the stored one', () => {
    const masked = channels.map(maskChannel);
    expect(masked).toEqual([
      { ...channels[0], secret: MASK },
      { type: 'slack', url: `https://hooks.slack.com/${MASK}` },
      { ...channels[2], smtp: { ...(channels[2] as { smtp: object }).smtp, password: MASK } },
    ]);
    expect(parseChannels(masked, 'channels', channels)).toEqual(channels);
    expect(() => parseChannels(masked, 'channels', [])).toThrow(/channels\[0\]\.secret is masked/);
    // Changing a secret, or dropping it, is what the client sends.
    expect(parseChannels([{ type: 'webhook', url: 'https://hooks.example.com/x' }], 'channels', channels)).toEqual([{ type: 'webhook', url: 'https://hooks.example.com/x' }]);
  });
});
