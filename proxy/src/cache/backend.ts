/**
 * Where cached responses live. A key holds a bucket of up to `maxVariants` stored responses
 * (Periscope-Cache-Bucket-Max-Size), each with its own expiry; values are opaque bytes.
 * Both implementations pass one conformance suite (testing/backend-conformance.ts).
 */
export interface CacheBackend {
  readonly kind: 'memory' | 'redis';
  /** The live variants under `key`, oldest first; [] when there are none. */
  get(key: string): Promise<Buffer[]>;
  /** Appends a variant that lives `ttlMs`; the oldest ones go once there are more than `maxVariants`. */
  add(key: string, value: Buffer, ttlMs: number, maxVariants: number): Promise<void>;
  /** Present when the backend is shared between processes: single-flight across them. */
  readonly locks?: CacheLocks;
}

export interface CacheLocks {
  /** A token when this caller now holds the lock on `key`, undefined when someone else does. */
  acquire(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock only if `token` still holds it (it may have expired and been taken). */
  release(key: string, token: string): Promise<void>;
}

export const MAX_BUCKET_VARIANTS = 20;
