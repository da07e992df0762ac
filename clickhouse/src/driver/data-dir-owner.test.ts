import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirOwner } from './data-dir-owner.ts';

describe('dataDirOwner', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-owner-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const withStatus = (text: string) => writeFile(join(dir, 'status'), text);

  it('is null without a status file', async () => {
    expect(await dataDirOwner(join(dir, 'missing'))).toBeNull();
  });

  it('names another live process', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await withStatus(`PID: ${other.pid}\nStarted at: 2026-11-25 13:57:14\nRevision: 54513\n`);
      expect(await dataDirOwner(dir)).toBe(other.pid);
    } finally {
      other.kill();
    }
  });

  it('ignores a status file left by a process that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(gone, 'exit');
    await withStatus(`PID: ${gone.pid}\n`);
    expect(await dataDirOwner(dir)).toBeNull();
  });

  it('ignores this process and unreadable contents', async () => {
    await withStatus(`PID: ${process.pid}\n`);
    expect(await dataDirOwner(dir)).toBeNull();
    await withStatus('garbage');
    expect(await dataDirOwner(dir)).toBeNull();
  });
});
