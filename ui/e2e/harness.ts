import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { PERISCOPE_CLI } from '@periscope/server/testing';

/** Provider keys in the config: the UI must never show them. */
export const PROVIDER_KEYS = { openai: 'sk-e2e-configured-openai-0123456789abcdef', anthropic: 'sk-ant-e2e-configured-0123456789abcdef' };

export interface Periscope {
  base: string;
  adminToken: string;
  mock: MockUpstream;
  output: () => string;
  api<T>(path: string): Promise<T>;
  createKey(project: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The test run's environment without Periscope settings (a Kafka broker, a data dir) meant for
 * other tests; the suite's background priority (vitest.config.ts) stays.
 */
function embeddedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERISCOPE_') || k === 'PERISCOPE_BACKGROUND_PRIORITY'));
}

/**
 * `pnpm periscope start` as its own process on a fresh data dir, with the mock as every
 * provider; `extraConfig` are more top-level YAML lines (models, pricing, alerts, ...).
 */
export async function startPeriscope(extraConfig: string[] = []): Promise<Periscope> {
  const mock = await startMockUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'periscope-ui-e2e-'));
  const adminToken = `pat_e2e_${randomBytes(16).toString('hex')}`;
  await writeFile(join(dir, 'periscope.yaml'), [
    'providers:',
    `  openai: { type: openai, base_url: "${mock.url}/v1", api_key: "${PROVIDER_KEYS.openai}" }`,
    `  anthropic: { type: anthropic, base_url: "${mock.url}", api_key: "${PROVIDER_KEYS.anthropic}" }`,
    ...extraConfig,
    '',
  ].join('\n'));
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [...PERISCOPE_CLI, 'start', '--port', '0', '--data-dir', join(dir, 'data'), '--config', join(dir, 'periscope.yaml')], {
    cwd: dir, env: { ...embeddedEnv(), PERISCOPE_ADMIN_TOKEN: adminToken },
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`periscope start not ready in 90 s:\n${output}`)), 90_000);
    const check = () => {
      const m = /UI and API:\s+(\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace(/\/$/, '').replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`periscope start exited with ${code}:\n${output}`)));
  });

  const auth = { authorization: `Bearer ${adminToken}` };
  return {
    base, adminToken, mock,
    output: () => output,
    async api<T>(path: string) {
      const res = await fetch(base + path, { headers: auth });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async createKey(project: string) {
      const res = await fetch(`${base}/api/keys`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ project, name: 'e2e' }),
      });
      if (!res.ok) throw new Error(`POST /api/keys: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { key: string }).key;
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** What Chromium reported as blocked by the UI's Content Security Policy (charts, tooltips, editors): should stay empty. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a profile of its own, and its first page. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'periscope-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    colorScheme: 'light',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return {
    context, page, cspViolations,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** An account made with the admin token, signed in on `page` through the sign-in form. */
export async function signInAsNewAccount(periscope: Periscope, page: Page, role: 'admin' | 'member' | 'viewer', projects: string[]): Promise<void> {
  const email = `${role}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `e2e ${randomBytes(8).toString('hex')}`;
  const res = await fetch(`${periscope.base}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${periscope.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, role, projects }),
  });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${await res.text()}`);
  await page.goto(`${periscope.base}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
