import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, startPeriscope, type Browser, type Periscope } from './harness.ts';

/**
 * An account's way through the UI against a real `periscope start`: sign in with email and
 * password, create a gateway key on the Keys page (shown once), use it, revoke it.
 */
const SCREENSHOTS = resolve(import.meta.dirname, '../screenshots');
const PASSWORD = 'e2e member password';

let periscope: Periscope;
let browser: Browser;
let page: Page;
let email: string;

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../dist/index.html'))) throw new Error('ui/dist is missing: run `pnpm build` first');
  await mkdir(SCREENSHOTS, { recursive: true });
  periscope = await startPeriscope();
  await periscope.createKey('e2e-team');
  email = `member-${Date.now()}@example.com`;
  const res = await fetch(`${periscope.base}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${periscope.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, role: 'member', projects: ['e2e-team'] }),
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${await res.text()}`);
  browser = await launchBrowser();
  page = browser.page;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await periscope?.close();
});

const gatewayStatus = async (key: string) =>
  (await fetch(`${periscope.base}/v1/models`, { headers: { 'periscope-auth': `Bearer ${key}` } })).status;

describe('an account in the web UI', () => {
  it('signs in with email and password into an HttpOnly, SameSite=Strict session', async () => {
    await page.goto(`${periscope.base}/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong email or password.');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.screenshot({ path: `${SCREENSHOTS}/sign-in-account-light-en.png` });
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    expect(await nav.textContent()).not.toContain('Accounts');

    const cookies = await browser.context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['periscope_session', true, 'Strict']]);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(PASSWORD);
  });

  it('creates a key on the Keys page, sees it once, and the key works', async () => {
    await page.getByRole('link', { name: /Keys/ }).click();
    await page.getByTestId('keys-table').waitFor();
    await page.getByTestId('create-key').click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByLabel('Project').inputValue()).toBe('e2e-team');
    await dialog.getByLabel('Name').fill('made in the browser');
    await dialog.getByLabel('Requests / minute').fill('100');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    const key = (await shown.textContent())!;
    expect(key).toMatch(/^psk_[A-Za-z0-9_-]{43}$/);
    await page.screenshot({ path: `${SCREENSHOTS}/key-created-light-en.png` });
    expect(await gatewayStatus(key)).toBe(200);

    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('[data-testid="keys-table"] tr', { hasText: 'made in the browser' });
    await row.waitFor();
    expect(await row.textContent()).toContain(`${key.slice(0, 10)}…`);
    expect(await row.textContent()).toContain('100 rpm');
    // Shown once: after the dialog closes, the page holds only the prefix.
    expect(await page.content()).not.toContain(key);
    await page.screenshot({ path: `${SCREENSHOTS}/keys-light-en.png` });

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('confirm').click();
    await row.getByText('Revoked').waitFor();
    const t0 = Date.now();
    while ((await gatewayStatus(key)) !== 401) {
      expect(Date.now() - t0).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('nothing was blocked by the Content Security Policy', () => {
    expect(browser.cspViolations).toEqual([]);
  });
});
