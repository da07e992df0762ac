import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { SMTPServer } from 'smtp-server';
import { apiRequest } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

interface Mail {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: string | undefined;
}

/**
 * A real SMTP server (npm smtp-server) on loopback: STARTTLS with its built-in self-signed
 * certificate, AUTH PLAIN/LOGIN required, every message kept.
 */
async function startSmtpServer() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'smtp-password') cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The text/plain part of a message, quoted-printable decoded (enough for nodemailer's output). */
function plainText(raw: string): string {
  const part = /Content-Type: text\/plain[^]*?\r\n\r\n([^]*?)\r\n--/.exec(raw)?.[1] ?? '';
  return part.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let h: GatewayHarness;

beforeAll(async () => {
  smtp = await startSmtpServer();
  h = await startGatewayHarness(() => ({}), {
    config: () => ({
      models: { 'spendy-mail': { deployments: [{ provider: 'openai', model: 'priced-mail' }] } },
      pricing: { 'priced-mail': { input: 1000, output: 1000 } },
      alerts: {
        allow_private_targets: true,
        public_url: 'https://periscope.example.com',
        // The test server's certificate is self-signed: STARTTLS is required, verification off here (and on by default).
        smtp: { host: '127.0.0.1', port: smtp.port, starttls: 'required', reject_unauthorized: false, user: 'alerts', password: 'smtp-password', from: 'Periscope <alerts@periscope.example.com>' },
      },
    }),
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await smtp?.close();
});

const admin = { admin: true } as const;

describe('email alerts over SMTP', () => {
  it('mails the firing alert with the right subject and body, over STARTTLS with authentication', async () => {
    const { project, key } = await h.newProject();
    const openai = new OpenAI({ apiKey: 'unused', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
    for (let i = 0; i < 2; i++) await openai.chat.completions.create({ model: 'spendy-mail', messages: [{ role: 'user', content: `mail ${i}` }] });
    const rows = await h.rows(project, '', 2);
    const cost = rows.reduce((s, r) => s + r.cost_usd, 0);
    const created = await apiRequest<{ id: string }>(h.url, 'POST', '/api/alerts', admin, {
      name: 'mail spend', metric: 'cost', window: '10m', comparator: '>', threshold: cost / 2, filter: { model: 'spendy-mail' }, interval: '2s',
      severity: 'critical', project, channels: [{ type: 'email', to: ['ops@example.com', 'finance@example.com'] }],
    });
    expect(created.status, created.text).toBe(201);

    const deadline = Date.now() + 20_000;
    while (smtp.mails.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 4000)); // two more evaluations: still one message
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ from: 'alerts@periscope.example.com', to: ['ops@example.com', 'finance@example.com'], secure: true, user: 'alerts' });
    expect(mail.raw).toMatch(/^Subject: \[FIRING\] mail spend$/m);
    const text = plainText(mail.raw);
    expect(text).toContain(`cost (sum over 10m) is $${cost.toFixed(4)}, past the threshold (> $${(cost / 2).toFixed(4)}).`);
    expect(text).toContain(`Severity: critical. Project: ${project}.`);
    expect(text).toMatch(/https:\/\/periscope\.example\.com\/requests\?project=p-[0-9a-f]+&model=spendy-mail&from=\d+&to=\d+/);
    expect(mail.raw).toContain('Content-Type: text/html');

    const history = await apiRequest<{ data: Array<{ kind: string; deliveries: Array<{ channel: string; ok: boolean; target: string }> }> }>(h.url, 'GET', `/api/alerts/${created.body.id}/history`, admin);
    expect(history.body.data).toEqual([expect.objectContaining({ kind: 'firing', deliveries: [{ channel: 'email', ok: true, attempts: 1, target: 'ops@example.com, finance@example.com' }] })]);
  }, 60_000);

  it('verifies the server certificate unless told not to, and reports a refused login without retrying', async () => {
    const { project } = await h.newProject();
    const smtpFor = (o: Record<string, unknown>) => ({ host: '127.0.0.1', port: smtp.port, starttls: 'required', user: 'alerts', password: 'smtp-password', from: 'alerts@periscope.example.com', ...o });
    const created = await apiRequest<{ id: string }>(h.url, 'POST', '/api/alerts', admin, {
      name: 'tls check', metric: 'requests', window: '5m', comparator: '>', threshold: 100, interval: '1h', project,
      channels: [
        { type: 'email', to: ['ops@example.com'], smtp: smtpFor({}) },
        { type: 'email', to: ['ops@example.com'], smtp: smtpFor({ reject_unauthorized: false, password: 'wrong' }) },
      ],
    });
    const before = smtp.mails.length;
    const test = await apiRequest<{ deliveries: Array<{ ok: boolean; error: string; attempts: number }> }>(h.url, 'POST', `/api/alerts/${created.body.id}/test`, admin);
    expect(test.body.deliveries[0]).toMatchObject({ ok: false, error: expect.stringMatching(/self[- ]signed|certificate/i) });
    expect(test.body.deliveries[1]).toMatchObject({ ok: false, attempts: 1, error: expect.stringMatching(/Invalid username or password/) });
    expect(smtp.mails.length).toBe(before);
  }, 60_000);
});
