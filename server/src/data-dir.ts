import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdminAuth } from '@periscope/control-plane';
import { ensurePrivateDir } from '@periscope/spool';

/**
 * Server-side secrets kept in the data directory (mode 0600): the HMAC secret for gateway
 * keys, and only a SHA-256 of the generated admin token, which is printed once at first start.
 */
/** Makes the data directory owner-only, or refuses one another user controls (ensurePrivateDir). */
export function ensureDataDir(dir: string): void {
  ensurePrivateDir(dir, { label: 'the data directory' });
}

export function loadOrCreateSecret(dir: string | undefined, env: NodeJS.ProcessEnv): Buffer {
  if (env.PERISCOPE_SECRET) return Buffer.from(env.PERISCOPE_SECRET, 'utf8');
  if (!dir) throw new Error('PERISCOPE_SECRET must be set when no --data-dir holds the key secret');
  const file = join(dir, 'secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function resolveAdminAuth(dir: string | undefined, env: NodeJS.ProcessEnv): AdminAuth {
  let expected: Buffer;
  let generatedToken: string | undefined;
  if (env.PERISCOPE_ADMIN_TOKEN) {
    expected = sha256(env.PERISCOPE_ADMIN_TOKEN);
  } else {
    if (!dir) throw new Error('PERISCOPE_ADMIN_TOKEN must be set when there is no data directory');
    const file = join(dir, 'admin-token.sha256');
    if (!existsSync(file)) {
      generatedToken = 'pat_' + randomBytes(24).toString('base64url');
      writeFileSync(file, sha256(generatedToken).toString('hex'), { mode: 0o600, flag: 'wx' });
    }
    expected = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }
  return {
    generatedToken,
    check: (presented) => timingSafeEqual(sha256(presented), expected),
  };
}
