import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';
import { StoreError } from '../errors.ts';
import { ACCOUNT_ROLES, type AccountRecord, type AccountRole } from '../store.ts';
import { toDateTime64 } from './datetime.ts';

type Numeric = number | string;

interface RawAccount {
  account_id: string;
  email: string;
  name: string;
  role: string;
  project_ids: string[];
  password_hash: string;
  created_at_ms: Numeric;
  updated_at_ms: Numeric;
  deleted_at_ms: Numeric | null;
  version: Numeric;
}

const ACCOUNT_SELECT = `account_id, email, name, role, project_ids, password_hash, version,
  toUnixTimestamp64Milli(created_at) AS created_at_ms,
  toUnixTimestamp64Milli(updated_at) AS updated_at_ms,
  toUnixTimestamp64Milli(deleted_at) AS deleted_at_ms`;

/** The newest version of each account, deleted ones included (callers decide). */
async function select(driver: Driver, where: string, params: Record<string, string>): Promise<RawAccount[]> {
  return driver.query<RawAccount>(`SELECT ${ACCOUNT_SELECT} FROM ${privateTable(driver, 'accounts')} FINAL ${where}`, params);
}

export async function insertAccount(driver: Driver, account: AccountRecord): Promise<void> {
  await writeVersion(driver, account, null, 1);
}

export async function updateAccount(driver: Driver, account: AccountRecord): Promise<boolean> {
  const [raw] = await select(driver, 'WHERE account_id = {id:String}', { id: account.account_id });
  if (!raw || raw.deleted_at_ms !== null) return false;
  await writeVersion(driver, account, null, Number(raw.version) + 1);
  return true;
}

export async function deleteAccount(driver: Driver, accountId: string, at: number): Promise<boolean> {
  const [raw] = await select(driver, 'WHERE account_id = {id:String}', { id: accountId });
  if (!raw || raw.deleted_at_ms !== null) return false;
  await writeVersion(driver, toAccount(raw), at, Number(raw.version) + 1);
  return true;
}

export async function getAccount(driver: Driver, accountId: string): Promise<AccountRecord | null> {
  const [raw] = await select(driver, 'WHERE account_id = {id:String} AND deleted_at IS NULL', { id: accountId });
  return raw ? toAccount(raw) : null;
}

export async function findAccountByEmail(driver: Driver, email: string): Promise<AccountRecord | null> {
  const [raw] = await select(driver, 'WHERE email = {email:String} AND deleted_at IS NULL ORDER BY created_at LIMIT 1', { email: email.toLowerCase() });
  return raw ? toAccount(raw) : null;
}

export async function listAccounts(driver: Driver): Promise<AccountRecord[]> {
  return (await select(driver, 'WHERE deleted_at IS NULL ORDER BY email, account_id', {})).map(toAccount);
}

async function writeVersion(driver: Driver, a: AccountRecord, deletedAt: number | null, version: number): Promise<void> {
  if (!ACCOUNT_ROLES.includes(a.role)) throw new StoreError('invalid_argument', `role must be one of ${ACCOUNT_ROLES.join(', ')}`);
  await driver.insertJSONEachRow(privateTable(driver, 'accounts'), [
    {
      account_id: a.account_id,
      email: a.email.toLowerCase(),
      name: a.name,
      role: a.role,
      project_ids: a.project_ids,
      password_hash: a.password_hash,
      created_at: toDateTime64(a.created_at),
      updated_at: toDateTime64(a.updated_at),
      deleted_at: deletedAt === null ? null : toDateTime64(deletedAt),
      version,
    },
  ]);
}

function toAccount(raw: RawAccount): AccountRecord {
  return {
    account_id: raw.account_id,
    email: raw.email,
    name: raw.name,
    role: raw.role as AccountRole,
    project_ids: raw.project_ids,
    password_hash: raw.password_hash,
    created_at: Number(raw.created_at_ms),
    updated_at: Number(raw.updated_at_ms),
  };
}
