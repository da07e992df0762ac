import { copyWith, hashGatewayKey, type KeyRecordLike, type LimitConfig } from '@periscope/contract';
import { keyLimitRule } from './key-access.ts';

export interface VerifiedKey {
  key_id: string;
  project_id: string;
  /** Models the key may call (exact names, or prefixes ending in `*`); empty = any. */
  allowed_models: readonly string[];
  /** The key's own limits as a rule matching only this key, built once per snapshot. */
  limit: LimitConfig | undefined;
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
      // The records are parsed JSON (the control plane's reply, the key cache file).
      next.set(r.key_hash, copyWith(r, { verified }));
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
