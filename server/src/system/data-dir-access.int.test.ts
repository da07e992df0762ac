import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { asOtherUser, OTHER_USER_ID, otherUserReason, startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { createGatewayKey, startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';

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
const config = () => ({ providers: { openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-test' } } });

if (otherUserReason) console.log(`data-dir-access: skipped: ${otherUserReason}`);

describe.skipIf(otherUserReason !== undefined)('periscope start on a data directory open to other users', () => {
  beforeAll(async () => {
    mock = await startMockUpstream();
    root = await mkdtemp(join(tmpdir(), 'data-dir-access-'));
    await chmod(root, 0o755);
    await mkdir(join(root, 'data'), { mode: 0o755 });
    await chmod(join(root, 'data'), 0o755);
    // Started under umask 000: what it creates must not depend on its caller's umask.
    const umask = process.umask(0);
    try {
      p = await startPeriscopeProcess(config(), {}, { dir: root });
    } finally {
      process.umask(umask);
    }
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await mock?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('narrows it to its owner as it starts, and says so', async () => {
    expect((await stat(p!.dataDir)).mode & 0o777).toBe(0o700);
    expect(p!.output()).toContain('[PERISCOPE_DIR_NARROWED]');
  });

  it('makes every file and directory in it its user\'s alone, the store socket too, whatever its umask', async () => {
    const open: string[] = [];
    for (const file of [p!.dataDir, ...(await pathsUnder(p!.dataDir))]) {
      // A temporary part the engine removed since the listing (see pathsUnder).
      const st = await lstat(file).catch((err: unknown) => (gone(err) ? undefined : Promise.reject(err)));
      if (!st) continue;
      const { mode } = st;
      if ((mode & 0o170000) !== 0o120000 && mode & 0o077) open.push(`${file} ${(mode & 0o777).toString(8)}`);
    }
    expect(open).toEqual([]);
  });

  it('another user reads none of its files, cannot list it, cannot reach the store socket', async () => {
    const key = await createGatewayKey(p!.url, 'other-user');
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${p!.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: CANARY }] });
    const files = (await pathsUnder(p!.dataDir, true));
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


describe.skipIf(otherUserReason !== undefined)('periscope start on a data directory another user made in advance', () => {
  it('refuses to start, and says whose it is', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'data-dir-foreign-'));
    try {
      // Like /tmp: anyone may make a directory there.
      await chmod(parent, 0o1777);
      const made = asOtherUser(['sh', '-c', 'mkdir -m 700 "$1/data" && printf attacker-secret > "$1/data/secret"', 'sh', parent]);
      expect(made.status, made.stderr).toBe(0);
      await expect(startPeriscopeProcess({ providers: {} }, {}, { dir: parent })).rejects.toThrow(`belongs to user ${OTHER_USER_ID}, not to this one`);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }, 60_000);
});

const gone = (err: unknown) => (err as { code?: string }).code === 'ENOENT';

/**
 * Every path below `dir`. The engine's temporary parts come and go while it inserts and merges
 * (a clean-clone CI run met one removed in the middle of a recursive readdir): a directory that
 * vanished while being walked is left out.
 */
async function pathsUnder(dir: string, filesOnly = false): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (gone(err)) return out;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (!entry.isDirectory()) out.push(path);
    else {
      if (!filesOnly) out.push(path);
      out.push(...(await pathsUnder(path, filesOnly)));
    }
  }
  return out;
}
