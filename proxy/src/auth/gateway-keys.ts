import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { KeyLimits, LimitConfig } from '../config/schema.ts';
import { keyLimitRule } from './key-access.ts';

/** Gateway keys look like `psk_<43 base64url chars>`; the prefix makes leaked keys greppable. */
export const GATEWAY_KEY_PREFIX = 'psk_';
const DISPLAY_PREFIX_LENGTH = GATEWAY_KEY_PREFIX.length + 6;

export interface VerifiedKey {
  key_id: string;
  project_id: string;
  /** Models the key may call (exact names, or prefixes ending in `*`); empty = any. */
  allowed_models: readonly string[];
  /** The key's own limits as a rule matching only this key, built once per snapshot. */
  limit: LimitConfig | undefined;
}

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

export interface KeyVerifier {
  verify(presentedKey: string): VerifiedKey | null;
}

/**
 * An in-memory snapshot of all keys, so verifying a key on the request path is one map lookup
 * (plus one HMAC the first time a key is presented to a snapshot), with no database call.
 * Whoever hosts the proxy replaces the snapshot when keys change. Unknown keys are looked up
 * by HMAC, so the map's timing reveals nothing usable without the server secret.
 */
export class KeySnapshot implements KeyVerifier {
  private byHash = new Map<string, KeyRecordLike & { verified: VerifiedKey }>();
  /** Keys presented and found in this snapshot, by the key itself (cleared with every new snapshot). */
  private known = new Map<string, KeyRecordLike & { verified: VerifiedKey }>();
  private readonly secret: Buffer;

  constructor(secret: Buffer) {
    this.secret = secret;
  }

  replace(records: Iterable<KeyRecordLike>): void {
    const next = new Map<string, KeyRecordLike & { verified: VerifiedKey }>();
    for (const r of records) {
      const verified = { key_id: r.key_id, project_id: r.project_id, allowed_models: r.allowed_models ?? [], limit: keyLimitRule(r.key_id, r.limits) };
      next.set(r.key_hash, { ...r, verified });
    }
    this.byHash = next;
    this.known = new Map();
  }

  get size(): number {
    return this.byHash.size;
  }

  verify(presentedKey: string, now = Date.now()): VerifiedKey | null {
    // A key that verified against this snapshot skips the HMAC next time; only keys that exist
    // are remembered, so the map is bounded by the snapshot, whatever clients send.
    const record = this.known.get(presentedKey) ?? this.byHash.get(hashGatewayKey(this.secret, presentedKey));
    if (!record || record.revoked_at !== null || (record.expires_at !== null && record.expires_at <= now)) return null;
    this.known.set(presentedKey, record);
    return record.verified;
  }
}
