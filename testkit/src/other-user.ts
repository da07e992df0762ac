import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** `nobody` on Debian: a user who owns nothing a test makes. */
export const OTHER_USER_ID = 65534;

const hasSetpriv = () => spawnSync('setpriv', ['--version']).status === 0;

/** Why the suite cannot act as another local user here, or undefined when it can (util-linux's setpriv, as root). */
export const otherUserReason: string | undefined =
  process.platform !== 'linux' ? 'needs Linux'
    : process.getuid?.() !== 0 ? 'needs root, to change to another user'
      : !hasSetpriv() ? "needs util-linux's setpriv"
        : undefined;

/** Runs `argv` as another local user, without root's groups: what the filesystem lets other users do. */
export function asOtherUser(argv: string[]): SpawnSyncReturns<string> {
  return spawnSync('setpriv', [`--reuid=${OTHER_USER_ID}`, `--regid=${OTHER_USER_ID}`, '--clear-groups', ...argv], { encoding: 'utf8', timeout: 30_000 });
}
