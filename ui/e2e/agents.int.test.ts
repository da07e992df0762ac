import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runClaude, runCodex } from '@periscope/server/testing';
import { launchBrowser, signInAsNewAccount, startPeriscope, type Browser, type Periscope } from './harness.ts';

/**
 * The Agents view for sessions the real Claude Code and Codex CLIs made through a real
 * `periscope start` (both runs take a few seconds against the mock, so they run here rather
 * than from recorded traffic).
 */
let periscope: Periscope;
let browser: Browser;
let claudeSession = '';
let codexSession = '';

beforeAll(async () => {
  if (!existsSync(resolve(import.meta.dirname, '../dist/index.html'))) throw new Error('ui/dist is missing: run `pnpm build` first');
  periscope = await startPeriscope();
  const key = await periscope.createKey('agents-e2e');
  const claude = await runClaude({ baseUrl: periscope.base, authToken: key, prompt: 'say hi' });
  if (claude.code !== 0) throw new Error(`claude: ${claude.stderr}${claude.stdout}`);
  claudeSession = (JSON.parse(claude.stdout) as { session_id: string }).session_id;
  const codex = await runCodex({ baseUrl: `${periscope.base}/v1`, gatewayKey: key, prompt: 'say hi' });
  if (codex.code !== 0) throw new Error(`codex: ${codex.stderr}${codex.stdout}`);
  codexSession = /session id: (\S+)/.exec(codex.stderr + codex.stdout)![1]!;
  const deadline = Date.now() + 15_000;
  while ((await periscope.api<{ data: unknown[] }>('/api/agents/sessions')).data.length < 2) {
    if (Date.now() > deadline) throw new Error('the agent sessions were not stored');
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchBrowser();
  await signInAsNewAccount(periscope, browser.page, 'viewer', ['agents-e2e']);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await periscope?.close();
});

describe('the Agents view', () => {
  it('lists both CLI sessions by agent, opens one turn by turn, compares the two', async () => {
    const page = browser.page;
    await page.goto(`${periscope.base}/agents?range=1h`);
    const table = page.getByTestId('agent-sessions');
    await table.waitFor();
    const text = await table.innerText();
    expect(text).toContain('claude-code');
    expect(text).toContain('codex');
    expect(text).toContain(claudeSession.slice(0, 13));
    expect(text).toContain(codexSession.slice(0, 13));
    expect(await page.getByTestId('agent-groups').innerText()).toMatch(/claude-code[\s\S]*codex|codex[\s\S]*claude-code/);

    // Most expensive first, then the Claude Code session turn by turn.
    await page.getByRole('radio', { name: 'Most expensive' }).click();
    await page.waitForURL(/sort=cost/);
    await page.getByText(claudeSession.slice(0, 13)).click();
    await page.waitForURL(new RegExp(`/agents/${claudeSession}`));
    const turns = page.getByTestId('agent-turns');
    await turns.waitFor();
    const rows = await turns.locator('tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(2);
    const totals = await page.getByTestId('agent-totals').innerText();
    expect(totals).toMatch(/Tool calls\s+[1-9]/);
    await page.screenshot({ path: resolve(import.meta.dirname, '../screenshots/agents-session.png') });

    // Two sessions side by side.
    await page.goto(`${periscope.base}/agents?range=1h`);
    await table.waitFor();
    for (const id of [claudeSession, codexSession]) await page.locator('tr', { hasText: id.slice(0, 13) }).getByRole('checkbox').check();
    await page.getByTestId('compare').click();
    const compare = page.getByTestId('agent-compare');
    await compare.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="agent-totals"]').length === 2);
    const both = await compare.innerText();
    expect(both).toContain('claude-code');
    expect(both).toContain('codex');
  }, 60_000);
});
