import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { verifySignature } from '@periscope/control-plane';
import { startWebhookReceiver, type WebhookReceiver } from '@periscope/control-plane/testing';
import { launchBrowser, startPeriscope, type Browser, type Periscope } from './harness.ts';

/**
 * A member creates an alert rule in the browser against a real `periscope start`, watches
 * the preview, sends traffic through the gateway, and sees the rule fire: in the UI, in its
 * history, and as one signed webhook on a loopback receiver.
 */
const SCREENSHOTS = resolve(import.meta.dirname, '../screenshots');
const PROJECT = 'e2e-alerts';
const PASSWORD = 'e2e alerts password';
const SECRET = 'whsec_e2e_browser';

let periscope: Periscope;
let browser: Browser;
let page: Page;
let hook: WebhookReceiver;
let openai: OpenAI;
let costPerCall: number;

async function rows(count: number): Promise<Array<{ cost_usd: number }>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await periscope.api<{ data: Array<{ cost_usd: number }> }>(`/api/requests?project=${PROJECT}`);
    if (res.data.length >= count) return res.data;
    if (Date.now() > deadline) throw new Error(`only ${res.data.length} of ${count} rows stored`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../dist/index.html'))) throw new Error('ui/dist is missing: run `pnpm build` first');
  await mkdir(SCREENSHOTS, { recursive: true });
  hook = await startWebhookReceiver();
  periscope = await startPeriscope([
    'models:',
    '  spendy: { deployments: [{ provider: openai, model: priced-e2e }] }',
    'pricing:',
    '  priced-e2e: { input: 1000, output: 1000 }',
    // The receiver is on loopback, which notifications may reach only when allowed.
    'alerts:',
    '  allow_private_targets: true',
  ]);
  const key = await periscope.createKey(PROJECT);
  openai = new OpenAI({ apiKey: key, baseURL: `${periscope.base}/v1`, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'spendy', messages: [{ role: 'user', content: 'first' }] });
  costPerCall = (await rows(1))[0]!.cost_usd;
  const email = `alerts-${Date.now()}@example.com`;
  const res = await fetch(`${periscope.base}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${periscope.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, role: 'member', projects: [PROJECT] }),
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${await res.text()}`);
  browser = await launchBrowser();
  page = browser.page;
  await page.goto(`${periscope.base}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await periscope?.close();
  await hook?.close();
});

describe('alert rules in the web UI', () => {
  it('creates a rule in the editor, with a live preview of the metric against the threshold', async () => {
    expect(costPerCall).toBeGreaterThan(0);
    await page.getByRole('link', { name: /Alerts/ }).click();
    await page.getByText('No alert rules yet').waitFor();
    await page.getByTestId('new-alert').click();
    const editor = page.getByTestId('alert-editor');
    await editor.waitFor();
    expect(await page.getByTestId('alert-project').inputValue()).toBe(PROJECT);
    await page.getByTestId('alert-name').fill('browser spend spike');
    await page.getByTestId('alert-filter-model').fill('spendy');
    // Three calls cross it, one does not.
    await page.getByTestId('alert-threshold').fill(String(costPerCall * 2.5));
    await page.getByTestId('alert-window').fill('10m');
    await page.getByTestId('alert-interval').fill('2s');
    await page.getByTestId('channel-url').fill(`${hook.url}/hooks/browser`);
    await page.getByTestId('channel-secret').fill(SECRET);

    // The preview: the running cost over the window (one call so far) against the dashed threshold.
    const preview = page.getByTestId('alert-preview');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-preview"] svg path').length > 4, null, { timeout: 15_000 });
    await preview.getByTestId('preview-groups').getByText('within').waitFor({ timeout: 15_000 });
    expect(await preview.getByTestId('preview-groups').textContent()).toContain('calls: 1');
    await page.waitForTimeout(350);
    await page.screenshot({ path: `${SCREENSHOTS}/alert-editor-light-en.png`, fullPage: true });

    await page.getByTestId('save-alert').click();
    await page.waitForURL(/\/alerts\/alr_/);
    await page.getByTestId('test-alert').waitFor();
    const rules = await periscope.api<{ data: Array<{ name: string; project: string; threshold: number; interval: string; channels: Array<{ secret?: string }> }> }>('/api/alerts');
    expect(rules.data).toEqual([expect.objectContaining({ name: 'browser spend spike', project: PROJECT, interval: '2s', channels: [expect.objectContaining({ secret: '********' })] })]);
    expect(rules.data[0]!.threshold).toBeCloseTo(costPerCall * 2.5, 12);
  });

  it('sees the rule fire after traffic crosses the threshold: state, history, and one signed webhook', async () => {
    for (const content of ['second', 'third']) await openai.chat.completions.create({ model: 'spendy', messages: [{ role: 'user', content }] });
    await rows(3);
    const [fired] = await hook.waitFor((r) => r.path === '/hooks/browser', 1, 20_000);
    expect(fired!.body).toMatchObject({ rule: 'browser spend spike', state: 'firing', project: PROJECT });
    expect(verifySignature(SECRET, fired!.raw, String(fired!.headers['periscope-signature']))).toBe(true);

    // The page polls: the header badge turns to Firing and the history shows the transition.
    await page.locator('h1 [data-alert-state="firing"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('alert-history').locator('[data-event-kind="firing"]').waitFor({ timeout: 15_000 });
    // The saved rule's preview works with its masked secret (channels are not part of it).
    await page.getByTestId('preview-groups').getByText('would fire').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('alert-history').textContent()).toContain(`${hook.url}/hooks/browser`);
    await page.waitForTimeout(350);
    await page.screenshot({ path: `${SCREENSHOTS}/alert-firing-light-en.png`, fullPage: true });

    await page.getByRole('link', { name: 'All rules' }).click();
    await page.getByTestId('alerts-table').locator('[data-alert-state="firing"]').waitFor();
    await page.selectOption('[data-testid="lang"]', 'zh');
    await page.getByTestId('alerts-table').getByText('告警中').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/alerts-list-light-zh.png` });
    await page.selectOption('[data-testid="lang"]', 'en');
    expect(hook.received.filter((r) => r.path === '/hooks/browser')).toHaveLength(1);
  });
});
