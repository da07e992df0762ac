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

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * Makes `dir` (and missing parents) owner-only, or refuses it. What Periscope keeps in such a
 * directory (stored calls, spooled events, the key secret, the store's socket) is protected by
 * the directory itself: the embedded engine writes its files with the process umask.
 * - Another user's directory, or another user's symbolic link to one, is refused: its owner
 *   could read everything, or have put files of their own in it (a key secret, an admin token).
 * - A directory with anything in it that group or others may write to, or anything of another
 *   user's but root's, is refused: what is in it may have been planted, and changing modes in a
 *   tree someone else can change races them (helper-64). The user checks it and narrows it.
 * - Otherwise one open to group or others is narrowed: the directory first (nobody else gets in
 *   from then on), then what its user owns in it. Files with other hard links and root's entries
 *   (from a run with sudo) are left as they are, behind the owner-only directory.
 * Windows keeps its own ACLs: nothing is checked there.
 */
export function ensurePrivateDir(dir: string, o: PrivateDirOptions): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const me = process.geteuid?.();
  if (me === undefined) return;
  const link = fs.lstatSync(dir);
  if (link.isSymbolicLink() && link.uid !== me && link.uid !== 0) {
    throw new UnsafeDirError(`${o.label} ${dir} is a symbolic link of user ${link.uid}'s, who can point it elsewhere: use the directory itself`);
  }
  const top = fs.statSync(dir);
  if (top.uid !== me) {
    throw new UnsafeDirError(
      `${o.label} ${dir} belongs to user ${top.uid}, not to this one (${me}): its owner could read what Periscope keeps there, or have put files of their own in it. Run Periscope as user ${top.uid} (in a container: --user ${top.uid}), chown the directory, or use another path`,
    );
  }
  // Owner-only already (the usual start): nobody else reaches what is inside, and a large store is not walked.
  if ((top.mode & 0o077) === 0) return;
  const problem = (top.mode & 0o022) !== 0 ? { path: dir, why: `is writable by group or others (${octal(top.mode)})` } : unsafeEntry(dir, me, o.label);
  if (problem) {
    throw new UnsafeDirError(
      `${o.label} ${dir}: ${problem.path} ${problem.why}. Check what is in it, remove what is not yours, then make it owner-only (chmod -R go-rwx ${dir})`,
    );
  }
  fs.chmodSync(dir, 0o700);
  narrowTree(dir, me);
  (o.warn ?? processWarning)(`${o.label} ${dir} was ${octal(top.mode)}; it and everything in it are now owner-only: other users on this machine may have read what it held before`);
}

interface Entry {
  path: string;
  stat: fs.Stats;
}

/** What is below `dir`, by lstat, descending only into real directories `me` owns; entries that vanish meanwhile are skipped. */
function* entriesBelow(dir: string, me: number, label: string): Generator<Entry> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UnsafeDirError(`${label}: cannot read ${dir} (${(err as Error).message}): chown -R it to this user`);
  }
  for (const name of names) {
    const full = path.join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    yield { path: full, stat };
    if (stat.isDirectory() && stat.uid === me) yield* entriesBelow(full, me, label);
  }
}

/** The first entry below `dir` that another user may have planted or may still change. */
function unsafeEntry(dir: string, me: number, label: string): { path: string; why: string } | undefined {
  for (const { path: p, stat } of entriesBelow(dir, me, label)) {
    if (stat.uid !== me && stat.uid !== 0) return { path: p, why: `belongs to user ${stat.uid}` };
    if (stat.isDirectory() && stat.mode & 0o022) return { path: p, why: `is writable by group or others (${octal(stat.mode)})` };
  }
  return undefined;
}

/** Clears group and other permissions of what `me` owns below `dir` (symbolic links have none of their own on Linux). */
function narrowTree(dir: string, me: number): void {
  for (const { path: p, stat } of entriesBelow(dir, me, '')) {
    if (stat.uid !== me || stat.isSymbolicLink() || (!stat.isDirectory() && stat.nlink > 1) || !(stat.mode & 0o077)) continue;
    try {
      fs.chmodSync(p, stat.mode & 0o7700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
