import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreLockedError } from '../errors.ts';
import { openStore } from '../open-store.ts';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));

/** Another process holding the data directory, as a running `periscope start` would. */
async function holdDataDir(dataDir: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    ['-e', `const { Session } = require('chdb'); new Session(${JSON.stringify(dataDir)}).query('SELECT 1'); console.log('ready'); setInterval(() => {}, 1000);`],
    { cwd: packageDir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(holder.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toContain('ready');
  return holder;
}

describe('chDB data directory held by another process', () => {
  let dataDir: string;
  let holder: ChildProcess | undefined;

  afterAll(async () => {
    if (holder?.exitCode === null) holder.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fails with StoreLockedError naming the holder and --url, and opens once the holder is gone', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'periscope-lock-'));
    holder = await holdDataDir(dataDir);

    const err = await openStore({ dataDir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as StoreLockedError).code).toBe('store_locked');
    expect((err as StoreLockedError).pid).toBe(holder.pid);
    expect((err as Error).message).toContain('in use by a running Periscope');
    expect((err as Error).message).toContain('--url');

    // A crash leaves the status file behind; its dead pid must not keep the directory locked.
    const exited = once(holder, 'exit');
    holder.kill('SIGKILL');
    await exited;
    expect(existsSync(join(dataDir, 'status'))).toBe(true);
    const store = await openStore({ dataDir });
    await store.ping();
    await store.close();
  });
});
