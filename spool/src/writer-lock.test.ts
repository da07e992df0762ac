import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolWriter } from './spool-writer.ts';
import { LOCK_STALE_MS, SpoolDirInUse, WriterLock } from './writer-lock.ts';

let dir: string;
const errors: string[] = [];
const log = { error: (_obj: object, msg: string) => void errors.push(msg) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-lock-'));
  errors.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockFile = () => join(dir, 'writer.lock');
type LockText = { token: string; pid: number; host: string; boot: string; namespace: string; started: string; beatAt: number };
const holder = () => JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as LockText;
/** A lock as another writer left it: this process's fields with `changes`. */
async function forge(changes: Partial<LockText>): Promise<void> {
  fs.rmSync(lockFile(), { force: true });
  const lock = await WriterLock.acquire(dir);
  const mine = holder();
  lock.release();
  fs.writeFileSync(lockFile(), JSON.stringify({ ...mine, token: 'someone-else', ...changes }));
}
/** The pid of a process that ran and was reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;
const elsewhere = { host: 'elsewhere', boot: 'another-boot', namespace: 'pid:[1]' };

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

  it('takes over at once the lock of a writer that is gone: a dead pid, a reused pid, an unreadable file, the container this one replaces', async () => {
    await forge({ pid: deadPid() });
    (await WriterLock.acquire(dir)).release();
    await forge({ started: '1' }); // this process's pid, another start time: the pid was reused
    (await WriterLock.acquire(dir)).release();
    // A restarted container: the same machine and host name, a new PID namespace, a fresh heartbeat.
    await forge({ namespace: 'pid:[4026530000]', pid: 1, beatAt: Date.now() });
    const started = Date.now();
    (await WriterLock.acquire(dir)).release();
    // Not after watching its heartbeat stand still for LOCK_STALE_MS.
    expect(Date.now() - started).toBeLessThan(LOCK_STALE_MS / 2);
    fs.writeFileSync(lockFile(), ''); // killed while creating it
    const lock = await WriterLock.acquire(dir);
    expect(holder().pid).toBe(process.pid);
    expect(fs.readdirSync(dir)).toEqual(['writer.lock']); // nothing left aside
    lock.release();
  });

  it('takes over the lock of a writer that exited but was not reaped yet (its parent has not waited for it)', async () => {
    // The child exits once its parent has become `sleep 30`, which never waits for it: a zombie
    // until the test kills the parent. (With `sleep 0` under a parent of 2 s this failed once in
    // CI, the zombie's /proc entry gone: a parent that exited during a stall, or a shell that
    // reaped its child before its exec, both explain it.)
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number((await once(parent.stdout, 'data'))[0]);
      let stat = '';
      for (let i = 0; i < 200 && !/\) Z /.test(stat); i++) {
        await new Promise((r) => setTimeout(r, 10));
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      }
      expect(stat).toMatch(/\) Z /);
      await forge({ pid, started: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] });
      (await WriterLock.acquire(dir)).release();
    } finally {
      parent.kill();
    }
  });

  it('a writer /proc cannot ask: refused once its heartbeat moves, taken over once it stood still long enough or was old already', async () => {
    expect(hostname()).not.toBe('elsewhere');
    let now = 1_000_000;
    const clock = { now: () => now, watchMs: 1 };
    // It beats while the newcomer watches.
    await forge({ ...elsewhere, beatAt: now });
    const refused = WriterLock.acquire(dir, clock);
    setTimeout(() => fs.writeFileSync(lockFile(), JSON.stringify({ ...holder(), beatAt: now + 1000 })), 20);
    await expect(refused).rejects.toThrow(/in use by another gateway \(pid \d+ on elsewhere\)/);
    // It stands still: taken over after LOCK_STALE_MS of this clock, not before.
    await forge({ ...elsewhere, beatAt: now });
    let done = false;
    const taken = WriterLock.acquire(dir, clock).then((lock) => {
      done = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    now += LOCK_STALE_MS;
    (await taken).release();
    // Old already at first sight: no wait.
    await forge({ ...elsewhere, beatAt: now - LOCK_STALE_MS });
    (await WriterLock.acquire(dir, { now: () => now, watchMs: 60_000 })).release();
  });

  it('puts back a lock that another writer took between this one\'s look and its takeover, and yields to it', async () => {
    await forge({ pid: deadPid() });
    const rename = fs.renameSync;
    const spy = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      // The other newcomer was quicker: the stale lock is gone and a live one is in its place.
      if (String(to).endsWith('.stale') && holder().token === 'someone-else') fs.writeFileSync(lockFile(), JSON.stringify({ ...holder(), token: 'quicker', pid: process.pid }));
      rename(from, to);
    });
    try {
      await expect(WriterLock.acquire(dir)).rejects.toThrow(SpoolDirInUse);
    } finally {
      spy.mockRestore();
    }
    expect(holder().token).toBe('quicker');
    expect(fs.readdirSync(dir)).toEqual(['writer.lock']);
  });

  it('keeps its heartbeat fresh; a writer whose lock another took over appends nothing more, counted', async () => {
    let now = 1_000;
    const lock = await WriterLock.acquire(dir, { now: () => now });
    now = 5_000;
    expect(lock.refresh()).toBe(true);
    expect(holder().beatAt).toBe(5_000);
    fs.writeFileSync(lockFile(), JSON.stringify({ ...holder(), token: 'someone-else' }));
    expect(lock.refresh()).toBe(false);
    // Nor does it remove the other writer's lock.
    lock.release();
    expect(holder().token).toBe('someone-else');

    fs.rmSync(lockFile());
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    expect(writer.append(Buffer.from('{"request_id":"a"}'))).toEqual({ ok: true });
    fs.writeFileSync(lockFile(), JSON.stringify({ ...holder(), token: 'someone-else' }));
    await new Promise((r) => setTimeout(r, 1200)); // one heartbeat
    expect(writer.append(Buffer.from('{"request_id":"b"}'))).toEqual({ ok: false, reason: 'spool_taken_over' });
    expect(errors.filter((e) => e.includes('took this spool directory over'))).toHaveLength(1);
    await writer.close();
    expect(holder().token).toBe('someone-else');
  });
});
