import type { Driver } from '../driver/driver.ts';
import type { GatewayKeyRecord } from '../store.ts';
import { toDateTime64 } from './datetime.ts';

type Numeric = number | string;

interface RawKey {
  key_id: string;
  project_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at_ms: Numeric;
  expires_at_ms: Numeric | null;
  revoked_at_ms: Numeric | null;
  version: Numeric;
}

const KEY_SELECT = `key_id, project_id, name, prefix, key_hash, version,
  toUnixTimestamp64Milli(created_at) AS created_at_ms,
  toUnixTimestamp64Milli(expires_at) AS expires_at_ms,
  toUnixTimestamp64Milli(revoked_at) AS revoked_at_ms`;

/** Each change of a key is a new row with a higher version; FINAL reads the newest. */
export async function insertKey(driver: Driver, key: GatewayKeyRecord): Promise<void> {
  await writeKeyVersion(driver, key, 1);
}

export async function findKeyByHash(driver: Driver, keyHash: string): Promise<GatewayKeyRecord | null> {
  const [raw] = await driver.query<RawKey>(
    `SELECT ${KEY_SELECT} FROM gateway_keys FINAL WHERE key_hash = {keyHash:String} LIMIT 1`,
    { keyHash },
  );
  return raw ? toKeyRecord(raw) : null;
}

/** Keys of the given projects (every key when omitted), newest first. */
export async function listKeys(driver: Driver, projectIds?: string[]): Promise<GatewayKeyRecord[]> {
  if (projectIds?.length === 0) return [];
  const rows = await driver.query<RawKey>(
    `SELECT ${KEY_SELECT} FROM gateway_keys FINAL
     ${projectIds ? 'WHERE project_id IN {projectIds:Array(String)}' : ''}
     ORDER BY created_at DESC, key_id`,
    projectIds ? { projectIds } : {},
  );
  return rows.map(toKeyRecord);
}

/**
 * Marks a key revoked from `at` on. False when no such key exists. Revoking a revoked key
 * keeps the first revocation time, so a repeated request cannot move it.
 */
export async function revokeKey(driver: Driver, keyId: string, at: number): Promise<boolean> {
  const [raw] = await driver.query<RawKey>(`SELECT ${KEY_SELECT} FROM gateway_keys FINAL WHERE key_id = {keyId:String}`, {
    keyId,
  });
  if (!raw) return false;
  const key = toKeyRecord(raw);
  if (key.revoked_at !== null) return true;
  await writeKeyVersion(driver, { ...key, revoked_at: at }, Number(raw.version) + 1);
  return true;
}

async function writeKeyVersion(driver: Driver, key: GatewayKeyRecord, version: number): Promise<void> {
  await driver.insertJSONEachRow('gateway_keys', [
    {
      key_id: key.key_id,
      project_id: key.project_id,
      name: key.name,
      prefix: key.prefix,
      key_hash: key.key_hash,
      created_at: toDateTime64(key.created_at),
      expires_at: key.expires_at === null ? null : toDateTime64(key.expires_at),
      revoked_at: key.revoked_at === null ? null : toDateTime64(key.revoked_at),
      version,
    },
  ]);
}

function toKeyRecord(raw: RawKey): GatewayKeyRecord {
  return {
    key_id: raw.key_id,
    project_id: raw.project_id,
    name: raw.name,
    prefix: raw.prefix,
    key_hash: raw.key_hash,
    created_at: Number(raw.created_at_ms),
    expires_at: raw.expires_at_ms === null ? null : Number(raw.expires_at_ms),
    revoked_at: raw.revoked_at_ms === null ? null : Number(raw.revoked_at_ms),
  };
}
