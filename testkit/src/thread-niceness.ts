import { readdir, readFile } from 'node:fs/promises';
import { getPriority } from 'node:os';

/**
 * The niceness of each live thread of `pid` (Linux keeps one per thread), leaving out
 * ClickHouse's memory tracker, which chDB raises to -20 itself when it may (as root). Threads that
 * end while they are read (chDB's pools let idle threads go) are left out too.
 */
export async function threadNiceness(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const name = await readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8').catch(() => undefined);
    if (name === undefined || name.trim() === 'MemoryWorker') continue;
    try {
      out.push(getPriority(Number(tid)));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}
