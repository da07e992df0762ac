// Gateway keys and accounts as the API lists them (the store's records).
import type { KeyLimits } from '../config/schema.ts';

export interface GatewayKeyRecord {
  key_id: string;
  project_id: string;
  name: string;
  /** Non-secret display prefix, e.g. "psk_live_AbC1". */
  prefix: string;
  /** HMAC-SHA256 of the full key with the server secret, hex. */
  key_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** Models the key may call; empty = every model. */
  allowed_models: string[];
  limits: KeyLimits;
}

export const ACCOUNT_ROLES = ['admin', 'member', 'viewer'] as const;

export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** Someone who signs in to the UI and API with an email and a password. */
export interface AccountRecord {
  account_id: string;
  /** Lowercase; unique among accounts that are not deleted. */
  email: string;
  name: string;
  role: AccountRole;
  /** The projects a member or viewer works in; ignored for admins, who see every project. */
  project_ids: string[];
  /** `scrypt$...` (see control-plane/src/api/passwords.ts); never leaves the API. */
  password_hash: string;
  created_at: number;
  updated_at: number;
}
