import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolWriter } from './spool-writer.ts';
import { LOCK_STALE_MS, SpoolDirInUse, WriterLock } from './writer-lock.ts';

const log = { error: () => {} };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockFile = () => join(dir, 'writer.lock');
const holder = () => JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as { token: string; pid: number; namespace: string; started: string; beatAt: number };
/** A lock as another writer left it: this one's fields with `changes`. */
function forge(changes: Record<string, unknown>): void {
  fs.rmSync(lockFile(), { force: true });
  const lock = WriterLock.acquire(dir);
  const mine = holder();
  lock.release();
  fs.writeFileSync(lockFile(), JSON.stringify({ ...mine, token: 'someone-else', ...changes }));
}
/** The pid of a process that ran and was reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

describe('one writer per spool directory', () => {
  it('refuses a second writer while the first runs, naming it, and lets one in once the first closed', async () => {
    const first = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    expect(fs.statSync(lockFile()).mode & 0o777).toBe(0o600);
    const second = SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    await expect(second).rejects.toThrow(SpoolDirInUse);
    await expect(second).rejects.toThrow(`pid ${process.pid}`);
    // The refused writer started no segment of its own.
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.seg'))).toEqual([]);
    first.append(Buffer.from('{"request_id":"a"}'));
    await first.close();
    expect(fs.existsSync(lockFile())).toBe(false);
    const third = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    await third.close();
  });

  it('takes over the lock of a writer that is gone: a dead pid, a reused pid, an unreadable file', () => {
    forge({ pid: deadPid() });
    WriterLock.acquire(dir).release();
    forge({ started: '1' }); // this process's pid, another start time: the pid was reused
    WriterLock.acquire(dir).release();
    fs.writeFileSync(lockFile(), ''); // killed while creating it
    const lock = WriterLock.acquire(dir);
    expect(holder().pid).toBe(process.pid);
    lock.release();
  });

  it('takes over the lock of a writer that exited but was not reaped yet (its parent has not waited for it)', async () => {
    // `sleep 0` exits at once; its parent, now `sleep 2`, never waits for it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 2'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number((await once(parent.stdout, 'data'))[0]);
    let stat = '';
    for (let i = 0; i < 100 && !/\) Z /.test(stat); i++) {
      await new Promise((r) => setTimeout(r, 10));
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    }
    expect(stat).toMatch(/\) Z /);
    forge({ pid, started: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] });
    WriterLock.acquire(dir).release();
    parent.kill();
  });

  it('a writer /proc cannot ask (another container or host): refused while its heartbeat is fresh, taken over once it is stale', () => {
    const now = Date.now();
    forge({ namespace: 'another-boot/pid:[1]', host: 'elsewhere', beatAt: now - LOCK_STALE_MS + 1000 });
    expect(() => WriterLock.acquire(dir, () => now)).toThrow(/in use by another gateway \(pid \d+ on elsewhere\)/);
    forge({ namespace: 'another-boot/pid:[1]', host: 'elsewhere', beatAt: now - LOCK_STALE_MS - 1 });
    WriterLock.acquire(dir, () => now).release();
  });

  it('keeps its heartbeat fresh, and says when another writer took the lock over', () => {
    let now = 1_000;
    const lock = WriterLock.acquire(dir, () => now);
    now = 5_000;
    expect(lock.refresh()).toBe(true);
    expect(holder().beatAt).toBe(5_000);
    fs.writeFileSync(lockFile(), JSON.stringify({ ...holder(), token: 'someone-else' }));
    expect(lock.refresh()).toBe(false);
    // Nor does it remove the other writer's lock.
    lock.release();
    expect(holder().token).toBe('someone-else');
  });
});
