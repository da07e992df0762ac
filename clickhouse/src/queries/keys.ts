import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';
import type { GatewayKeyRecord } from '../store.ts';
import type { KeyLimits } from '@periscope/contract';
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
  allowed_models: string[];
  rpm: Numeric | null;
  tpm: Numeric | null;
  concurrency: Numeric | null;
  budget_day_usd: number | null;
  budget_week_usd: number | null;
  budget_month_usd: number | null;
}

const KEY_SELECT = `key_id, project_id, name, prefix, key_hash, version, allowed_models,
  rpm, tpm, concurrency, budget_day_usd, budget_week_usd, budget_month_usd,
  toUnixTimestamp64Milli(created_at) AS created_at_ms,
  toUnixTimestamp64Milli(expires_at) AS expires_at_ms,
  toUnixTimestamp64Milli(revoked_at) AS revoked_at_ms`;

/** Each change of a key is a new row with a higher version; FINAL reads the newest. */
export async function insertKey(driver: Driver, key: GatewayKeyRecord): Promise<void> {
  await writeKeyVersion(driver, key, 1);
}

export async function findKeyByHash(driver: Driver, keyHash: string): Promise<GatewayKeyRecord | null> {
  const [raw] = await driver.query<RawKey>(
    `SELECT ${KEY_SELECT} FROM ${privateTable(driver, 'gateway_keys')} FINAL WHERE key_hash = {keyHash:String} LIMIT 1`,
    { keyHash },
  );
  return raw ? toKeyRecord(raw) : null;
}

/** Keys of the given projects (every key when omitted), newest first. */
export async function listKeys(driver: Driver, projectIds?: string[]): Promise<GatewayKeyRecord[]> {
  if (projectIds?.length === 0) return [];
  const rows = await driver.query<RawKey>(
    `SELECT ${KEY_SELECT} FROM ${privateTable(driver, 'gateway_keys')} FINAL
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
  const [raw] = await driver.query<RawKey>(`SELECT ${KEY_SELECT} FROM ${privateTable(driver, 'gateway_keys')} FINAL WHERE key_id = {keyId:String}`, {
    keyId,
  });
  if (!raw) return false;
  const key = toKeyRecord(raw);
  if (key.revoked_at !== null) return true;
  await writeKeyVersion(driver, { ...key, revoked_at: at }, Number(raw.version) + 1);
  return true;
}

async function writeKeyVersion(driver: Driver, key: GatewayKeyRecord, version: number): Promise<void> {
  await driver.insertJSONEachRow(privateTable(driver, 'gateway_keys'), [
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
      allowed_models: key.allowed_models,
      rpm: key.limits.rpm ?? null,
      tpm: key.limits.tpm ?? null,
      concurrency: key.limits.concurrency ?? null,
      budget_day_usd: key.limits.budget_usd?.day ?? null,
      budget_week_usd: key.limits.budget_usd?.week ?? null,
      budget_month_usd: key.limits.budget_usd?.month ?? null,
    },
  ]);
}

/** Last call per key, from the minute rollup (a few rows per key and minute, not the raw table). */
export async function keysLastUsed(driver: Driver, projectIds?: string[]): Promise<Record<string, number>> {
  if (projectIds?.length === 0) return {};
  const rows = await driver.query<{ key_id: string; last_ms: Numeric }>(
    `SELECT key_id, toUnixTimestamp64Milli(toDateTime64(max(bucket), 3)) AS last_ms FROM requests_rollup_1m
     ${projectIds ? 'WHERE project_id IN {projectIds:Array(String)}' : ''}
     GROUP BY key_id`,
    projectIds ? { projectIds } : {},
  );
  return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.last_ms)]));
}

/** Nullable columns back to the optional fields of the API and the config's `limits:`. */
function limitsOf(raw: RawKey): KeyLimits {
  const limits: KeyLimits = {};
  if (raw.rpm !== null) limits.rpm = Number(raw.rpm);
  if (raw.tpm !== null) limits.tpm = Number(raw.tpm);
  if (raw.concurrency !== null) limits.concurrency = Number(raw.concurrency);
  const budget = { day: raw.budget_day_usd, week: raw.budget_week_usd, month: raw.budget_month_usd };
  const set = Object.entries(budget).filter(([, v]) => v !== null);
  if (set.length > 0) limits.budget_usd = Object.fromEntries(set) as KeyLimits['budget_usd'];
  return limits;
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
    allowed_models: raw.allowed_models,
    limits: limitsOf(raw),
  };
}
