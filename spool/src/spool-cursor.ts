import fs from 'node:fs';
import path from 'node:path';

/** A place in the spool: a byte offset in a segment (records before it are consumed). */
export interface SpoolPosition {
  segment: number;
  offset: number;
}

/**
 * What the reader has consumed, kept in the spool directory. `inflight` is a batch handed on
 * but not yet acknowledged: after a crash the reader hands on exactly that batch again, with
 * the same token, so an insert that did complete is recognised as a duplicate. Its `note` is
 * the consumer's own record of how far it got with the batch (opaque to the spool).
 */
export interface SpoolCursor extends SpoolPosition {
  inflight?: { to: number; note?: string };
}

export const CURSOR_FILE = 'cursor.json';

export async function readCursor(dir: string): Promise<SpoolCursor | null> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(dir, CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const c = JSON.parse(text) as Partial<SpoolCursor>;
  if (!Number.isSafeInteger(c.segment) || !Number.isSafeInteger(c.offset)) throw new Error(`spool: ${CURSOR_FILE} is damaged: ${text.slice(0, 200)}`);
  const inflight = c.inflight && Number.isSafeInteger(c.inflight.to)
    ? { to: c.inflight.to, ...(typeof c.inflight.note === 'string' ? { note: c.inflight.note } : {}) }
    : undefined;
  return { segment: c.segment!, offset: c.offset!, ...(inflight ? { inflight } : {}) };
}

/** The segment the reader is at, for the writer's id floor; null when nothing was read yet. */
export async function readCursorSegment(dir: string): Promise<number | null> {
  try {
    return (await readCursor(dir))?.segment ?? null;
  } catch {
    return null;
  }
}

/**
 * Replaces the cursor atomically (temp file, fsync, rename): a crash leaves the old cursor or
 * the new one, and a power loss cannot leave the reader before a batch it already acknowledged.
 */
export async function writeCursor(dir: string, cursor: SpoolCursor): Promise<void> {
  const tmp = path.join(dir, `${CURSOR_FILE}.tmp`);
  // A new file, never one already there (a leftover of a crash, or anything else's).
  await fs.promises.rm(tmp, { force: true });
  const handle = await fs.promises.open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(cursor));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, path.join(dir, CURSOR_FILE));
}
