import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The pid of another live process holding a chDB data directory, or null.
 *
 * When a second process opens a held directory, the engine prints "Cannot lock file
 * .../status" to the native stderr and chDB only throws "Failed to create connection", so
 * the cause has to be recovered from the directory itself: the engine writes `PID: n` into
 * `status` while it holds the lock and deletes the file on a clean close. A file left by a
 * crashed process names a dead pid and does not count.
 */
export async function dataDirOwner(dataDir: string): Promise<number | null> {
  let status: string;
  try {
    status = await readFile(join(dataDir, 'status'), 'utf8');
  } catch {
    return null;
  }
  const match = /^PID: (\d+)$/m.exec(status);
  if (!match) return null;
  const pid = Number(match[1]);
  if (pid === process.pid || !isAlive(pid)) return null;
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
