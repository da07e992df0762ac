import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { createGatewayKey, startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';
import { asOtherUser, otherUserReason } from '../testing/other-user.ts';

/**
 * `periscope start` on a data directory that already existed open to others (as `mkdir -p`
 * leaves it: the repository's tool scripts make `.periscope/` so for their downloads): another local user
 * must get nothing of what it stores there, not the engine's files, not a listing, not the store
 * process's socket.
 */
const CANARY = 'canary-other-user-9d41c7';

let root: string;
let p: PeriscopeProcess | undefined;
let mock: MockUpstream;

if (otherUserReason) console.log(`data-dir-access: skipped: ${otherUserReason}`);

describe.skipIf(otherUserReason !== undefined)('periscope start on a data directory open to other users', () => {
  beforeAll(async () => {
    mock = await startMockUpstream();
    root = await mkdtemp(join(tmpdir(), 'data-dir-access-'));
    await chmod(root, 0o755);
    await mkdir(join(root, 'data'), { mode: 0o755 });
    await chmod(join(root, 'data'), 0o755);
    p = await startPeriscopeProcess({ providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-test' } } }, {}, { dir: root });
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await mock?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('narrows it to its owner as it starts, and says so', async () => {
    expect((await stat(p!.dataDir)).mode & 0o777).toBe(0o700);
    expect(p!.output()).toContain('[PERISCOPE_DATA_DIR_MODE]');
  });

  it('another user reads none of its files, cannot list it, cannot reach the store socket', async () => {
    const key = await createGatewayKey(p!.url, 'other-user');
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${p!.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: CANARY }] });
    const files = await filesUnder(p!.dataDir);
    expect(files.some((f) => f.endsWith('store.sock')), 'the store socket among the files').toBe(true);
    expect(files.length).toBeGreaterThan(20);
    // One process as the other user: tries each path root sees (open, or connect for the socket) and the listing.
    const probe = `
      const fs = require('node:fs'), net = require('node:net');
      const [dir, ...files] = process.argv.slice(1);
      const out = { listed: false, opened: [], connected: false };
      try { fs.readdirSync(dir); out.listed = true; } catch {}
      for (const f of files) {
        if (f.endsWith('.sock')) continue;
        try { fs.closeSync(fs.openSync(f, 'r')); out.opened.push(f); } catch {}
      }
      const sock = files.find((f) => f.endsWith('.sock'));
      net.connect(sock).on('connect', () => { out.connected = true; finish(); }).on('error', finish);
      function finish() { console.log(JSON.stringify(out)); process.exit(0); }
    `;
    const run = asOtherUser([process.execPath, '-e', probe, p!.dataDir, ...files]);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ listed: false, opened: [], connected: false });
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isDirectory()) out.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return out;
}
