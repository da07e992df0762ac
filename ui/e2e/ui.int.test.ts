import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import type { SummaryResponse, TimeseriesResponse } from '../src/api-types.ts';
import { launchBrowser, PROVIDER_KEYS, startPeriscope, type Browser, type Periscope } from './harness.ts';
import { SESSION, sendTraffic, type SentCall } from './traffic.ts';

const SCREENSHOTS = resolve(import.meta.dirname, '../screenshots');
const HOUR = 3_600_000;

let periscope: Periscope;
let browser: Browser;
let page: Page;
let gatewayKey: string;
let sent: SentCall[];
/** Every page's HTML as the browser had it, checked for secrets at the end. */
const seen: string[] = [];

async function shot(name: string) {
  await page.waitForTimeout(350); // let ECharts finish its entry animation
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
}

async function visit(path: string) {
  await page.goto(periscope.base + path);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function remember() {
  seen.push(await page.content());
}

async function setTheme(theme: 'light' | 'dark') {
  await page.click(`[data-theme-choice="${theme}"]`);
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
}

async function setLang(lang: 'en' | 'zh') {
  await page.selectOption('[data-testid="lang"]', lang);
  await page.waitForFunction((l) => document.documentElement.lang.startsWith(l), lang);
}

const rowIds = () => page.$$eval('[data-testid="requests-table"] [data-request-id]', (rows) => rows.map((r) => r.getAttribute('data-request-id')!));

async function waitForRows(count: number) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="requests-table"] [data-request-id]').length === n, count, { timeout: 15_000 });
}

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../dist/index.html'))) throw new Error('ui/dist is missing: run `pnpm build` first');
  await mkdir(SCREENSHOTS, { recursive: true });
  periscope = await startPeriscope();
  gatewayKey = await periscope.createKey('e2e');
  sent = await sendTraffic(periscope.base, gatewayKey, periscope.mock);
  expect(sent.some((s) => s.cacheHit), 'a response-cache hit').toBe(true);
  expect(sent.find((s) => s.fallback)?.fallback).toBe('gpt-4.1-mini');
  // The writer batches: wait until every call is a row.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const page1 = await periscope.api<{ data: unknown[] }>('/api/requests?limit=100');
    if (page1.data.length >= sent.length) break;
    if (Date.now() > deadline) throw new Error(`only ${page1.data.length} of ${sent.length} rows stored`);
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchBrowser();
  page = browser.page;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await periscope?.close();
});

describe('web UI against a real periscope start', () => {
  it('signs in with the admin token once and keeps only an HttpOnly cookie', async () => {
    await page.goto(`${periscope.base}/`);
    await page.getByRole('tab', { name: 'Admin token' }).click();
    const input = page.getByLabel('Admin token');
    await input.waitFor();
    await shot('sign-in-light-en');
    await input.fill('pat_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await input.fill(periscope.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(periscope.adminToken);
    const cookies = await browser.context.cookies();
    expect(cookies.length).toBeGreaterThan(0);
    expect(cookies.every((c) => c.httpOnly && !c.value.includes(periscope.adminToken))).toBe(true);
  });

  it('overview: non-empty charts whose totals match /api/metrics/summary', async () => {
    await visit('/?range=1h');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="chart-card"]')].filter((c) => c.querySelector('svg path')).length >= 8, null, { timeout: 20_000 });
    // Rates and percentiles show the KPI: wait for the summary too.
    await page.waitForFunction(() => document.querySelector('[data-metric="error_rate"] [data-testid="chart-total"]')?.getAttribute('data-value'), null, { timeout: 20_000 });
    const now = Date.now();
    const summary = await periscope.api<SummaryResponse>(`/api/metrics/summary?from=${now - HOUR}&to=${now}`);
    expect(summary.current.requests).toBe(sent.length);

    const total = (metric: string) => page.$eval(`[data-metric="${metric}"] [data-testid="chart-total"]`, (el) => Number(el.getAttribute('data-value')));
    expect(await total('requests')).toBe(summary.current.requests);
    expect(await total('tokens')).toBe(summary.current.total_tokens);
    expect(await total('cost')).toBeCloseTo(summary.current.cost_usd, 9);
    expect(await total('error_rate')).toBeCloseTo(summary.current.error_rate, 9);
    expect(summary.current.errors).toBeGreaterThanOrEqual(1);
    const kpi = await page.$eval('[data-testid="kpi"] [data-testid="kpi-value"]', (el) => el.textContent);
    expect(kpi).toBe(String(summary.current.requests));
    // Bars were drawn for the requests chart.
    expect(await page.$$eval('[data-metric="requests"] svg path', (paths) => paths.length)).toBeGreaterThan(4);
    await remember();

    await shot('overview-light-en');
    await setTheme('dark');
    await shot('overview-dark-en');
    await setLang('zh');
    await page.getByRole('heading', { name: '概览' }).waitFor();
    await shot('overview-dark-zh');
    await setTheme('light');
    await shot('overview-light-zh');
    await setLang('en');
  });

  it('clicking a model slice of a chart opens the log filtered to that model and bucket', async () => {
    await visit('/?range=1h&group_by=model');
    await page.waitForFunction(() => document.querySelectorAll('[data-metric="requests"] svg path').length > 4, null, { timeout: 20_000 });
    const now = Date.now();
    const ts = await periscope.api<TimeseriesResponse>(`/api/metrics/timeseries?metric=requests&group_by=model&interval=auto&from=${now - HOUR}&to=${now}`);
    const model = ts.series.find((s) => s.key !== 'other')!.key;
    const colors = JSON.parse((await page.getAttribute('[data-metric="requests"]', 'data-colors'))!) as Record<string, string>;
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    const color = rgb(colors[model]!);
    await shot('overview-grouped-light-en');

    // The bar of that model's series: the SVG path drawn in its color with a real size.
    const box = await page.$$eval('[data-metric="requests"] svg path', (paths, c) => {
      for (const p of paths) {
        const r = p.getBoundingClientRect();
        if (getComputedStyle(p).fill === c && r.width > 2 && r.height > 2) return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }
      return null;
    }, color);
    expect(box, `a bar in ${color} for ${model}`).not.toBeNull();
    await page.mouse.click(box!.x, box!.y);
    await page.waitForURL(/\/requests\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('model')).toBe(model);
    expect(Number(url.searchParams.get('to')) - Number(url.searchParams.get('from'))).toBe(ts.interval_ms);

    // Every call of that model in that bucket (the traffic may straddle a bucket boundary).
    const inBucket = await periscope.api<{ data: { request_id: string }[] }>(`/api/requests${url.search}`);
    expect(inBucket.data.length).toBeGreaterThan(0);
    await waitForRows(inBucket.data.length);
    const models = await page.$$eval('[data-testid="requests-table"] [data-col="model"]', (cells) => cells.map((c) => c.textContent));
    expect(models.every((m) => m!.startsWith(model))).toBe(true);
    await remember();
  });

  it('a property filter narrows the rows', async () => {
    await visit('/requests?range=1h');
    await waitForRows(sent.length);
    await shot('requests-light-en');
    await page.getByTestId('toggle-filters').click();
    await page.selectOption('[data-filter="property-key"]', 'team');
    await page.fill('[data-filter="property-value"]', 'billing');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/property\.team=billing/);
    const billing = sent.filter((s) => s.team === 'billing');
    await waitForRows(billing.length);
    expect(new Set(await rowIds())).toEqual(new Set(billing.map((s) => s.id)));
    await shot('requests-filtered-light-en');
    // Back undoes the filter.
    await page.goBack();
    await waitForRows(sent.length);
    await setTheme('dark');
    await shot('requests-dark-en');
    await setLang('zh');
    await shot('requests-dark-zh');
    await setLang('en');
    await setTheme('light');
    await remember();
  });

  it('the detail drawer shows the messages of the request that was sent', async () => {
    const call = sent[0]!;
    await visit('/requests?range=1h');
    await waitForRows(sent.length);
    await page.click(`[data-request-id="${call.id}"]`);
    const drawer = page.getByRole('dialog');
    await drawer.waitFor();
    await page.getByTestId('chat').waitFor();
    const messages = await page.$$eval('[data-testid="chat-message"]', (els) => els.map((e) => ({ role: e.getAttribute('data-role'), text: e.textContent })));
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(messages[1]!.text).toContain(call.prompt);
    expect(messages[2]!.text).toContain(call.reply);
    expect(new URL(page.url()).searchParams.get('request')).toBe(call.id);
    await shot('request-drawer-light-en');
    await page.getByRole('tab', { name: 'Raw' }).click();
    const curl = await page.getByTestId('curl-preview').textContent();
    expect(curl).toContain('Periscope-Auth: Bearer $PERISCOPE_KEY');
    expect(curl).toContain(call.prompt);
    await remember();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.get('request')).toBeNull();
    await setTheme('dark');
    await page.click(`[data-request-id="${call.id}"]`);
    await page.getByTestId('chat').waitFor();
    await shot('request-drawer-dark-en');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await setTheme('light');

    // The Anthropic call with tool use, opened straight from a link.
    const toolCall = sent.find((s) => s.tool)!;
    await visit(`/requests?range=1h&request=${toolCall.id}`);
    await page.getByTestId('tool-call').waitFor();
    expect(await page.getByTestId('tool-call').textContent()).toContain(toolCall.tool);
    const roles = await page.$$eval('[data-testid="chat-message"]', (els) => els.map((e) => e.getAttribute('data-role')));
    expect(roles).toEqual(['system', 'user', 'assistant']);
    await shot('request-drawer-tool-light-en');
    await remember();

    // Retries and fallbacks: both attempts, the fallback marked.
    const fellBack = sent.find((s) => s.fallback)!;
    await visit(`/requests?range=1h&request=${fellBack.id}`);
    await page.getByRole('tab', { name: 'Attempts' }).click();
    const attempts = page.getByTestId('attempts');
    await attempts.waitFor();
    expect(await attempts.locator('li').count()).toBe(2);
    expect(await attempts.textContent()).toContain('fallback');
    await shot('request-drawer-attempts-light-en');

    // A response-cache hit: what it saved, and the call it replayed.
    const hit = sent.find((s) => s.cacheHit)!;
    await visit(`/requests?range=1h&request=${hit.id}`);
    await page.getByRole('tab', { name: 'Cost' }).click();
    await page.getByTestId('cost-breakdown').waitFor();
    const source = sent.find((s) => s.prompt === hit.prompt && s.id !== hit.id)!;
    expect(await page.getByTestId('cost-breakdown').textContent()).toContain(source.id);
    await page.getByRole('tab', { name: 'Cache' }).click();
    expect(await page.getByTestId('cache-info').textContent()).toContain('Served from the response cache');
    await shot('request-drawer-cache-light-en');
    await remember();
  });

  it('the session view shows the path tree and a timeline', async () => {
    await visit('/sessions?range=1h');
    await page.getByText(SESSION.name).waitFor();
    expect(await page.$$eval('[data-testid="sessions-table"] tbody tr', (rows) => rows.length)).toBe(2);
    await shot('sessions-light-en');
    await setTheme('dark');
    await shot('sessions-dark-en');
    await setTheme('light');
    await page.getByText(SESSION.name).click();
    await page.waitForURL(new RegExp(`/sessions/${SESSION.id}`));
    await page.getByTestId('session-tree').waitFor();
    const paths = await page.$$eval('[data-testid="tree-node"]', (els) => els.map((e) => e.getAttribute('data-path')));
    expect(paths).toEqual(['/', '/plan', '/plan/day-1', '/plan/day-1/hotels', '/plan/day-2']);
    const inSession = sent.filter((s) => s.sessionPath);
    expect(await page.$$eval('[data-testid="tree-request"]', (els) => els.length)).toBe(inSession.length);
    expect(await page.$$eval('[data-testid="session-timeline"] .gantt-bar', (els) => els.length)).toBe(inSession.length);
    await shot('session-light-en');
    await setTheme('dark');
    await shot('session-dark-en');
    await setTheme('light');
    await remember();
  });

  it('users: per-user totals, and a click shows that user’s requests', async () => {
    await visit('/users?range=1h');
    await page.getByTestId('users-table').waitFor();
    const users = await page.$$eval('[data-testid="users-table"] tbody tr td:first-child', (els) => els.map((e) => e.textContent));
    expect(new Set(users)).toEqual(new Set(sent.map((s) => s.user)));
    await shot('users-light-en');
    await setTheme('dark');
    await shot('users-dark-en');
    await setLang('zh');
    await shot('users-dark-zh');
    await setLang('en');
    await setTheme('light');
    await page.getByRole('cell', { name: 'alice', exact: true }).click();
    await page.waitForURL(/user_id=alice/);
    await waitForRows(sent.filter((s) => s.user === 'alice').length);
    await remember();
  });

  it('keyboard: g r / g o navigate, / focuses search, t opens the time range, ? lists shortcuts', async () => {
    await visit('/?range=1h');
    await page.keyboard.press('g');
    await page.keyboard.press('r');
    await page.waitForURL(/\/requests\?range=1h$/);
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-shortcut'))).toBe('search');
    await page.keyboard.press('Escape');
    await page.keyboard.press('t');
    await page.getByRole('menu', { name: 'Time range' }).waitFor();
    await shot('time-range-light-en');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await shot('shortcuts-light-en');
    await page.keyboard.press('Escape');
    await page.keyboard.press('g');
    await page.keyboard.press('o');
    await page.waitForURL((u) => u.pathname === '/');
  });

  it('fits a narrow window', async () => {
    await page.setViewportSize({ width: 820, height: 1000 });
    await visit('/?range=1h');
    await page.waitForFunction(() => document.querySelector('[data-metric="requests"] svg path'));
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot('overview-narrow-light-en');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('nothing on any page was blocked by the Content Security Policy', () => {
    expect(browser.cspViolations).toEqual([]);
  });

  it('never shows the admin token, a provider key or a gateway key', () => {
    expect(seen.length).toBeGreaterThan(5);
    for (const html of seen) {
      for (const secret of [periscope.adminToken, PROVIDER_KEYS.openai, PROVIDER_KEYS.anthropic, gatewayKey]) expect(html).not.toContain(secret);
    }
  });
});
