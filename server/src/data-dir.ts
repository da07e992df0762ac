import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdminAuth } from '@periscope/control-plane';

/**
 * Server-side secrets kept in the data directory (mode 0600): the HMAC secret for gateway
 * keys, and only a SHA-256 of the generated admin token, which is printed once at first start.
 */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  narrowToOwner(dir);
}

/**
 * The directory itself keeps other local users out: the embedded engine writes the store's
 * files (every call's prompt and answer) with the process umask, 0644 under the usual 022, and
 * the store process's socket sits beside them. A directory that already existed open to group or
 * others (`mkdir -p`: the repository's tool scripts make `.periscope/` so for their downloads) is narrowed to
 * its owner, with a warning; one of another user's is left as it is, with a warning.
 */
function narrowToOwner(dir: string): void {
  const { mode, uid } = statSync(dir);
  if ((mode & 0o077) === 0 || process.platform === 'win32') return;
  const was = (mode & 0o777).toString(8).padStart(4, '0');
  if (uid !== process.getuid?.()) {
    process.emitWarning(`the data directory ${dir} is ${was} and not this user's: other users on this machine may read the calls stored there`, { code: DATA_DIR_WARNING });
    return;
  }
  chmodSync(dir, 0o700);
  process.emitWarning(`the data directory ${dir} was ${was}; it is now 0700 (owner only): it holds the stored calls, the spool and the key secret`, { code: DATA_DIR_WARNING });
}

/** The code of the warning a data directory open to other users gets. */
export const DATA_DIR_WARNING = 'PERISCOPE_DATA_DIR_MODE';

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
