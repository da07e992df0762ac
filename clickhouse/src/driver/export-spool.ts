import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.ts';

export interface SpoolBounds {
  /** The output stops with an error past this many bytes. */
  maxBytes: number;
  /** Nothing is written while the disk has less free space than this (kept for the store). */
  minFreeDiskBytes: number;
}

/** Free space is read again after this many bytes, so a disk filled by others is noticed too. */
const STATFS_EVERY_BYTES = 8 * 1024 * 1024;

const mib = (bytes: number) => `${Math.floor(bytes / 1024 / 1024).toLocaleString('en')} MiB`;

/**
 * A temporary file an export is written to as fast as the engine makes it, read afterwards at
 * the client's pace. It is bounded in bytes and by the disk's free space: writing stops with
 * an error (the caller ends the query) rather than fill the disk the store lives on. `remove`
 * deletes it whatever happened; the directory it lives in is emptied when the store opens, so
 * a crash leaves nothing behind for long either.
 */
export class ExportSpool {
  #written = 0;
  #sinceStatfs = 0;

  private constructor(private readonly dir: string, private readonly file: FileHandle, private readonly bounds: SpoolBounds) {}

  /** Refuses to start when the disk already has less free space than the bound keeps. */
  static async open(root: string, bounds: SpoolBounds): Promise<ExportSpool> {
    await mkdir(root, { recursive: true });
    await checkFreeSpace(root, bounds.minFreeDiskBytes);
    const dir = await mkdtemp(join(root, 'export-'));
    try {
      return new ExportSpool(dir, await open(join(dir, 'result'), 'w'), bounds);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get bytes(): number {
    return this.#written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#written + chunk.length > this.bounds.maxBytes) {
      throw new StoreError('sql_limit_exceeded', `The export is larger than the ${mib(this.bounds.maxBytes)} an export may hold; narrow the query or add a LIMIT.`);
    }
    this.#sinceStatfs += chunk.length;
    if (this.#sinceStatfs >= STATFS_EVERY_BYTES) {
      this.#sinceStatfs = 0;
      await checkFreeSpace(this.dir, this.bounds.minFreeDiskBytes + chunk.length);
    }
    await this.file.write(chunk);
    this.#written += chunk.length;
  }

  /** The file, 1 MiB at a time; call after the last write. */
  async *read(): AsyncGenerator<Uint8Array> {
    await this.file.close();
    for await (const chunk of createReadStream(join(this.dir, 'result'), { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
  }

  async remove(): Promise<void> {
    await this.file.close().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function checkFreeSpace(path: string, keep: number): Promise<void> {
  const fs = await statfs(path);
  const free = fs.bavail * fs.bsize;
  if (free < keep) {
    throw new StoreError('insufficient_storage', `Not enough free disk space for an export: ${mib(free)} free, and ${mib(keep)} stay free for the store.`);
  }
}
