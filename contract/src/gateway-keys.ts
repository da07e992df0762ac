import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { KeyLimits } from './config/schema.ts';

/** Gateway keys look like `psk_<43 base64url chars>`; the prefix makes leaked keys greppable. */
export const GATEWAY_KEY_PREFIX = 'psk_';
const DISPLAY_PREFIX_LENGTH = GATEWAY_KEY_PREFIX.length + 6;

/** A key as the store and the control plane's snapshot hold it (never the key itself). */
export interface KeyRecordLike {
  key_id: string;
  project_id: string;
  key_hash: string;
  expires_at: number | null;
  revoked_at: number | null;
  /** Absent in snapshots cached on disk by an older version: no restriction. */
  allowed_models?: string[];
  limits?: KeyLimits;
}

export interface NewGatewayKey {
  /** The full key: shown once, never stored. */
  key: string;
  key_id: string;
  key_hash: string;
  prefix: string;
}

/** Keys are stored only as HMAC-SHA256 with a server secret, so a stolen table is useless alone. */
export function hashGatewayKey(secret: Buffer, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

export function generateGatewayKey(secret: Buffer): NewGatewayKey {
  const key = GATEWAY_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, key_id: randomUUID(), key_hash: hashGatewayKey(secret, key), prefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function looksLikeGatewayKey(value: string): boolean {
  return value.startsWith(GATEWAY_KEY_PREFIX) && value.length > 20;
}
