import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountRecord, GatewayKeyRecord } from '../store.ts';

export { makeEvent } from '@periscope/contract/testing';

/** A project of its own per test, so tests sharing a database never see each other's rows. */
export function newProjectId(label = 'proj'): string {
  return `${label}_${randomUUID().slice(0, 8)}`;
}

export function makeKey(overrides: Partial<GatewayKeyRecord> = {}): GatewayKeyRecord {
  const id = randomUUID().slice(0, 8);
  return {
    key_id: `key_${id}`,
    project_id: 'proj_default',
    name: 'default',
    prefix: `psk_live_${id.slice(0, 4)}`,
    key_hash: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', ''),
    created_at: Date.now() - 1_000,
    expires_at: null,
    revoked_at: null,
    allowed_models: [],
    limits: {},
    ...overrides,
  };
}

export function makeAccount(overrides: Partial<AccountRecord> = {}): AccountRecord {
  const id = randomUUID();
  return {
    account_id: id,
    email: `user-${id.slice(0, 8)}@example.com`,
    name: 'Test User',
    role: 'member',
    project_ids: [],
    password_hash: 'scrypt$test',
    created_at: Date.now() - 1_000,
    updated_at: Date.now() - 1_000,
    ...overrides,
  };
}

/** A connection of this process to an open store's data directory (chDB lets one process open several). */
async function withSession<T>(dataDir: string, use: (session: import('chdb').Session) => Promise<T>): Promise<T> {
  const { Session } = await import('chdb');
  const session = new Session(dataDir);
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

/** The rows of a Parquet file as JSON lines, read by chDB in this process. */
export async function readParquet(dataDir: string, parquet: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'periscope-parquet-'));
  try {
    const file = join(dir, 'answer.parquet');
    await writeFile(file, parquet);
    return await withSession(dataDir, async (s) => (await s.queryBindAsync('SELECT * FROM file({file:String}, Parquet)', { file }, { format: 'JSONEachRow' })).text());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many queries the embedded engine of `dataDir` is running whose text contains `text`. */
export async function runningQueries(dataDir: string, text: string): Promise<number> {
  return withSession(dataDir, async (s) => {
    const sql = "SELECT count() FROM system.processes WHERE position(query, {text:String}) > 0 AND position(query, 'system.processes') = 0";
    return Number((await s.queryBindAsync(sql, { text }, { format: 'TSV' })).text());
  });
}
