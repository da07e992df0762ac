import fs from 'node:fs';
import path from 'node:path';

/** Refused: a directory that would hold calls or secrets and that someone else controls. */
export class UnsafeDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeDirError';
  }
}

export interface PrivateDirOptions {
  /** What the directory is, for messages: "the data directory", "the spool directory". */
  label: string;
  /** Told when an existing directory was open to group or others and is now its owner's only; a process warning by default. */
  warn?: (message: string) => void;
}

/** The code of the process warning a narrowed directory gets by default. */
export const PRIVATE_DIR_WARNING = 'PERISCOPE_DIR_NARROWED';

const processWarning = (message: string) => process.emitWarning(message, { code: PRIVATE_DIR_WARNING });

const euid = () => process.geteuid?.();

/**
 * Makes `dir` (and missing parents) owner-only, or refuses it. What Periscope keeps in such a
 * directory (stored calls, spooled events, the key secret, the store's socket) is protected by
 * the directory itself: the embedded engine writes its files with the process umask.
 * - Another user's directory, or a symbolic link of another user's to one, is refused: its
 *   owner could read everything, or have planted a key secret or an admin token of their own.
 * - One that was open to group or others is narrowed: it and everything in it lose their group
 *   and other permissions (a reader who kept a working directory inside keeps nothing new).
 *   When others could also write to it, anything in it of another user's is refused first.
 * Windows keeps its own ACLs: nothing is checked there.
 */
export function ensurePrivateDir(dir: string, o: PrivateDirOptions): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const me = euid();
  if (me === undefined) return;
  const link = fs.lstatSync(dir);
  if (link.isSymbolicLink() && link.uid !== me && link.uid !== 0) {
    throw new UnsafeDirError(`${o.label} ${dir} is a symbolic link of user ${link.uid}'s, who can point it elsewhere: use the directory itself`);
  }
  const { mode, uid } = fs.statSync(dir);
  if (uid !== me) {
    throw new UnsafeDirError(
      `${o.label} ${dir} belongs to user ${uid}, not to this one (${me}): its owner could read what Periscope keeps there, or have put a key secret or admin token of their own in it. Use a directory of this user's (chown it, or another path)`,
    );
  }
  if ((mode & 0o077) === 0) return;
  if (mode & 0o022) {
    const foreign = firstForeignEntry(dir, me);
    if (foreign) {
      throw new UnsafeDirError(
        `${o.label} ${dir} was writable by others (${octal(mode)}) and holds ${foreign.path}, of user ${foreign.uid}: check what is in it, remove what is not yours, then chmod 0700 it`,
      );
    }
  }
  narrowTree(dir, me);
  fs.chmodSync(dir, 0o700);
  (o.warn ?? processWarning)(`${o.label} ${dir} was ${octal(mode)}; it and everything in it are now owner-only (0700): other users on this machine may have read what it held before`);
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

function firstForeignEntry(dir: string, me: number): { path: string; uid: number } | undefined {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const { uid } = fs.lstatSync(full);
    if (uid !== me) return { path: full, uid };
    if (entry.isDirectory()) {
      const inner = firstForeignEntry(full, me);
      if (inner) return inner;
    }
  }
  return undefined;
}

/**
 * Clears group and other permissions of what `me` owns below `dir`. Symbolic links have none of
 * their own on Linux; another user's entry (root's, from a run with sudo) stays as it is, behind
 * the owner-only directory.
 */
function narrowTree(dir: string, me: number): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const full = path.join(dir, entry.name);
    const { mode, uid } = fs.lstatSync(full);
    if (uid === me && mode & 0o077) fs.chmodSync(full, mode & 0o7700);
    if (entry.isDirectory()) narrowTree(full, me);
  }
}
