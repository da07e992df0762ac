import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { launchBrowser, signInAsNewAccount, startPeriscope, type Browser, type Periscope } from './harness.ts';

/**
 * A member uses the SQL console in Chromium against a real `periscope start`: types a query
 * (with completion), runs it and sees the rows of the calls sent through the gateway, charts
 * it, starts from a template, saves a report, downloads a CSV, and is told why a query that
 * reaches for system tables is refused.
 */
const SCREENSHOTS = resolve(import.meta.dirname, '../screenshots');
const PROJECT = 'e2e-sql';

let periscope: Periscope;
let browser: Browser;
let page: Page;

async function typeSql(sql: string) {
  const editor = page.getByTestId('sql-editor');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
}

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../dist/index.html'))) throw new Error('ui/dist is missing: run `pnpm build` first');
  await mkdir(SCREENSHOTS, { recursive: true });
  periscope = await startPeriscope();
  const openai = new OpenAI({ apiKey: await periscope.createKey(PROJECT), baseURL: `${periscope.base}/v1`, maxRetries: 0 });
  for (const model of ['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']) await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  const deadline = Date.now() + 15_000;
  while ((await periscope.api<{ data: unknown[] }>(`/api/requests?project=${PROJECT}`)).data.length < 3) {
    if (Date.now() > deadline) throw new Error('calls not stored');
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchBrowser();
  page = browser.page;
  await signInAsNewAccount(periscope, page, 'member', [PROJECT]);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /SQL/ }).click();
  await page.getByTestId('sql-editor').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await periscope?.close();
});

describe('the SQL console', () => {
  it('runs a query and shows its rows, then charts them', async () => {
    await typeSql('SELECT model, count() AS calls\nFROM requests\nGROUP BY model\nORDER BY model');
    await page.getByTestId('sql-run').click();
    const grid = page.getByTestId('sql-results');
    await grid.getByRole('cell', { name: 'gpt-4o-mini' }).waitFor();
    const rows = await grid.getByRole('row').evaluateAll((els) => els.map((el) => [...el.children].map((c) => c.textContent).join(' ')));
    expect(rows).toEqual(['model calls', 'gpt-4o 1', 'gpt-4o-mini 2']);
    await expect(page.getByTestId('sql-summary').innerText()).resolves.toMatch(/^2 rows in \d+ ms$/);

    await page.getByTestId('sql-chart').click();
    await page.getByRole('img', { name: 'Chart of calls by model' }).locator('svg').waitFor();
    await page.screenshot({ path: resolve(SCREENSHOTS, 'sql-chart.png') });
    await page.getByRole('radio', { name: 'Table' }).click();
  });

  it('completes view and column names in the editor', async () => {
    await typeSql('SELECT prompt_to');
    await page.keyboard.press('Control+Space');
    await page.getByRole('option', { name: /prompt_tokens/ }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('starts from a template, with its parameters in a form', async () => {
    await page.getByTestId('sql-tab-templates').click();
    await page.getByTestId('sql-templates').getByRole('button', { name: 'Latency percentiles by model' }).click();
    await expect(page.locator('[data-param="from"]').inputValue()).resolves.toBe('today-7d');
    await expect(page.locator('[data-param="to"]').inputValue()).resolves.toBe('now');
    await page.getByTestId('sql-run').click();
    await page.getByTestId('sql-results').getByRole('columnheader', { name: 'p95_ms', exact: true }).waitFor();
    await page.getByTestId('sql-results').getByRole('cell', { name: 'gpt-4o', exact: true }).waitFor();
    await page.screenshot({ path: resolve(SCREENSHOTS, 'sql-template.png') });
  });

  it('saves the query as a report of the project', async () => {
    await page.getByTestId('sql-save').click();
    await page.getByTestId('report-name').fill('Latency by model');
    await page.getByTestId('report-save').click();
    await page.getByTestId('report-name').waitFor({ state: 'detached', timeout: 5000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await page.getByRole('dialog').innerText()}`);
    });
    await page.getByTestId('sql-tab-saved').click();
    await page.getByTestId('sql-saved').getByRole('button', { name: 'Latency by model' }).waitFor();
    const reports = await periscope.api<{ data: { name: string; project: string; params: Record<string, string> }[] }>('/api/reports');
    expect(reports.data).toEqual([expect.objectContaining({ name: 'Latency by model', project: PROJECT, params: { from: 'today-7d', to: 'now' } })]);
  });

  it('downloads the result as CSV', async () => {
    await typeSql('SELECT model, count() AS calls FROM requests GROUP BY model ORDER BY model');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sql-export-csv').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toBe('"model","calls"\r\n"gpt-4o",1\r\n"gpt-4o-mini",2\r\n');
  });

  it('says why a query that reaches for system tables is refused', async () => {
    await typeSql('SELECT * FROM system.tables');
    await page.getByTestId('sql-run').click();
    await page.getByRole('alert').getByText(/System tables and information_schema are not available/).waitFor();
  });

  it('nothing was blocked by the Content Security Policy', () => {
    expect(browser.cspViolations).toEqual([]);
  });
});
