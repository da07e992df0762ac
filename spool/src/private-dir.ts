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

const STICKY = 0o1000;

interface Entry {
  path: string;
  stat: fs.Stats;
}

/** Why an entry of the directory may be someone else's to change, or undefined. */
type Judge = (e: Entry) => string | undefined;

/**
 * Makes `dir` (and missing parents) owner-only, or refuses it. What Periscope keeps in such a
 * directory (stored calls, spooled events, the key secret, the store's socket) is protected by
 * the directory itself: the embedded engine writes its files with the process umask.
 * - Refused: a path through a directory another user owns, or one others may write to without
 *   the sticky bit (they could swap what follows); another user's directory, or another user's
 *   symbolic link to one (its owner could read everything, or have put a key secret or an admin
 *   token of their own in it); anything in it of another user's but root's, or, in a directory
 *   others may read, that group or others may write to (it may have been planted, and narrowing a tree someone else can change
 *   races them: helper-64, helper-65). The user checks it and narrows it by hand.
 * - Narrowed, with a warning: one only readable by group or others. The directory first, so
 *   nobody else gets in from then on, then what its user owns in it. Root's entries (from a run
 *   with sudo) stay as they are behind it, and so do files with other hard links when root runs
 *   it (a link's other name may be anyone's file).
 * An owner-only directory gets the owners of its own entries checked only: a large store is not
 * walked at every start, and what group or others may write to behind it (a store made under
 * umask 002) nobody else reaches. Windows keeps its own ACLs: nothing is checked there.
 */
export function ensurePrivateDir(dir: string, o: PrivateDirOptions): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const me = process.geteuid?.();
  if (me === undefined) return;
  const refuse = (why: string, fix: string) => new UnsafeDirError(`${o.label} ${dir}: ${why}. ${fix}`);
  checkAncestors(dir, me, refuse);
  const link = fs.lstatSync(dir);
  if (link.isSymbolicLink() && link.uid !== me && link.uid !== 0) {
    throw refuse(`a symbolic link of user ${link.uid}'s, who can point it elsewhere`, 'Use the directory itself');
  }
  const top = fs.statSync(dir);
  if (top.uid !== me) {
    throw refuse(
      `belongs to user ${top.uid}, not to this one (${me}): its owner could read what Periscope keeps there, or have put files of their own in it`,
      `Run Periscope as user ${top.uid} (in a container: --user ${top.uid}), chown the directory, or use another path`,
    );
  }
  const open = (top.mode & 0o077) !== 0;
  const judge: Judge = ({ stat }) => {
    if (stat.uid !== me && stat.uid !== 0) return `belongs to user ${stat.uid}`;
    // Behind an owner-only directory nobody else reaches a writable entry (the engine's, made
    // under umask 002 before every command set 077); in an open one anybody may have changed it.
    // A socket's write bit is who may connect; the store makes its socket anew at each start.
    if (open && !stat.isSymbolicLink() && !stat.isSocket() && stat.mode & 0o022) return `is writable by group or others (${octal(stat.mode)})`;
    return undefined;
  };
  const narrowByHand = `Check what is in it, remove what is not yours, then make it owner-only (chmod -R go-rwx ${dir})`;
  const unsafe = first(open ? entriesBelow(dir, me, refuse) : entriesOf(dir, refuse), judge);
  const topWhy = top.mode & 0o022 ? `it is writable by group or others (${octal(top.mode)})` : undefined;
  if (topWhy || unsafe) {
    const found = unsafe ? `it holds ${unsafe.entry.path}, which ${unsafe.why}` : undefined;
    throw refuse([topWhy, found].filter(Boolean).join('; '), narrowByHand);
  }
  if (!open) return;
  fs.chmodSync(dir, 0o700);
  for (const { path: p, stat } of entriesBelow(dir, me, refuse)) {
    if (stat.uid !== me || stat.isSymbolicLink() || !(stat.mode & 0o077)) continue;
    if (me === 0 && !stat.isDirectory() && stat.nlink > 1) continue;
    try {
      fs.chmodSync(p, stat.mode & 0o7700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(`cannot narrow ${p} (${(err as Error).message})`, narrowByHand);
    }
  }
  (o.warn ?? processWarning)(`${o.label} ${dir} was ${octal(top.mode)}; it and everything in it are now owner-only: other users on this machine may have read what it held before`);
}

/**
 * Every directory above `dir`, as written and as its real path, is root's or `me`'s, and none
 * lets others swap what is in it (the sticky bit of /tmp does not); a symbolic link on the way
 * is root's or `me`'s.
 */
function checkAncestors(dir: string, me: number, refuse: (why: string, fix: string) => UnsafeDirError): void {
  for (const start of [path.resolve(dir), fs.realpathSync(dir)]) {
    for (let p = path.dirname(start); ; p = path.dirname(p)) {
      const { uid, mode } = fs.lstatSync(p);
      if (uid !== me && uid !== 0) {
        throw refuse(`it is inside ${p}, of user ${uid}, who could put another directory in its place`, 'Run Periscope as that user, or use a directory outside theirs');
      }
      if ((mode & 0o170000) !== 0o120000 && mode & 0o022 && !(mode & STICKY)) {
        throw refuse(`it is inside ${p}, which group or others may write to (${octal(mode)}) without the sticky bit`, 'Use a directory outside it');
      }
      if (p === path.dirname(p)) break;
    }
  }
}

function first(entries: Iterable<Entry>, judge: Judge): { entry: Entry; why: string } | undefined {
  for (const entry of entries) {
    const why = judge(entry);
    if (why) return { entry, why };
  }
  return undefined;
}

/** The entries of `dir` itself, by lstat; entries that vanish meanwhile are skipped. */
function* entriesOf(dir: string, refuse: (why: string, fix: string) => UnsafeDirError): Generator<Entry> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw refuse(`cannot read ${dir} (${(err as Error).message})`, 'Give its owner access (chmod u+rwx), or chown it to this user');
  }
  for (const name of names) {
    const full = path.join(dir, name);
    try {
      yield { path: full, stat: fs.lstatSync(full) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw refuse(`cannot read ${full} (${(err as Error).message})`, 'Give its owner access (chmod u+rwx), or chown it to this user');
    }
  }
}

/**
 * Everything below `dir`, descending into real directories `me` owns; of root's directories
 * (a run with sudo) only what they hold directly, where another user's entry would show.
 */
function* entriesBelow(dir: string, me: number, refuse: (why: string, fix: string) => UnsafeDirError): Generator<Entry> {
  for (const entry of entriesOf(dir, refuse)) {
    yield entry;
    if (!entry.stat.isDirectory()) continue;
    if (entry.stat.uid === me) yield* entriesBelow(entry.path, me, refuse);
    else if (entry.stat.uid === 0 && canList(entry.path)) yield* entriesOf(entry.path, refuse);
  }
}

function canList(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
