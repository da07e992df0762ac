import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asOtherUser, OTHER_USER_ID, otherUserReason } from '@periscope/testkit';
import { ensurePrivateDir, UnsafeDirError } from './private-dir.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory that other users may traverse (mkdtemp's own is 0700). */
function openParent(): string {
  const dir = mkdtempSync(join(tmpdir(), 'private-dir-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  return dir;
}

/** `data` under an open parent, made with `mode` (as `mkdir -p` under some umask would). */
function existing(mode: number): string {
  const dir = join(openParent(), 'data');
  mkdirSync(dir);
  chmodSync(dir, mode);
  return dir;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

function ensure(dir: string): string[] {
  const warnings: string[] = [];
  ensurePrivateDir(dir, { label: 'the test directory', warn: (m) => warnings.push(m) });
  return warnings;
}

describe('ensurePrivateDir', () => {
  it('creates a missing directory (and its parents) for its owner only, and says nothing', () => {
    const dir = join(openParent(), 'a', 'data');
    expect(ensure(dir)).toEqual([]);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, '..'))).toBe(0o700);
  });

  it('narrows a directory open to group or others, and everything in it, with a warning naming it', () => {
    for (const mode of [0o755, 0o750, 0o701, 0o710, 0o705]) {
      const dir = existing(mode);
      mkdirSync(join(dir, 'store', 'part'), { recursive: true, mode: 0o755 });
      writeFileSync(join(dir, 'store', 'part', 'data.bin'), 'x', { mode: 0o644 });
      writeFileSync(join(dir, 'secret'), 'x', { mode: 0o600 });
      symlinkSync(join(dir, 'secret'), join(dir, 'link'));
      const warnings = ensure(dir);
      expect(modeOf(dir), mode.toString(8)).toBe(0o700);
      expect(modeOf(join(dir, 'store'))).toBe(0o700);
      expect(modeOf(join(dir, 'store', 'part'))).toBe(0o700);
      expect(modeOf(join(dir, 'store', 'part', 'data.bin'))).toBe(0o600);
      expect(modeOf(join(dir, 'secret'))).toBe(0o600);
      expect(warnings).toEqual([expect.stringContaining(`the test directory ${dir} was 0${mode.toString(8)}; it and everything in it are now owner-only`)]);
    }
  });

  it('refuses a directory that group or others may write to, or that holds one, and changes nothing', () => {
    for (const mode of [0o777, 0o775, 0o770, 0o757, 0o1777]) {
      const dir = existing(mode);
      expect(() => ensure(dir), mode.toString(8)).toThrow(`${dir}: it is writable by group or others (0${(mode & 0o777).toString(8)})`);
      expect(statSync(dir).mode & 0o7777).toBe(mode);
    }
    // helper-64: an open directory holding a writable one (where a link can be planted) is refused whole.
    const dir = existing(0o755);
    const inner = join(dir, 'spool');
    mkdirSync(inner);
    chmodSync(inner, 0o777);
    expect(() => ensure(dir)).toThrow(`it holds ${inner}, which is writable by group or others (0777)`);
    expect(modeOf(dir)).toBe(0o755);
    expect(modeOf(inner)).toBe(0o777);
  });

  it('refuses an open directory holding a file group or others may write to (helper-65: a 0666 file kept by a hard link)', () => {
    const dir = existing(0o755);
    const file = join(dir, 'admin-token.sha256');
    writeFileSync(file, 'x');
    chmodSync(file, 0o666);
    expect(() => ensure(dir)).toThrow(`it holds ${file}, which is writable by group or others (0666)`);
    expect(modeOf(dir)).toBe(0o755);
  });

  it('refuses a directory inside one others may write to without the sticky bit, and accepts /tmp\'s kind', () => {
    const parent = openParent();
    chmodSync(parent, 0o777);
    expect(() => ensure(join(parent, 'data'))).toThrow(`it is inside ${parent}, which group or others may write to (0777) without the sticky bit`);
    chmodSync(parent, 0o1777);
    expect(ensure(join(parent, 'data2'))).toEqual([]);
  });

  it('accepts an owner-only directory holding what group may write to (a store made under umask 002), as it is', () => {
    const dir = existing(0o700);
    mkdirSync(join(dir, 'store'));
    chmodSync(join(dir, 'store'), 0o775);
    writeFileSync(join(dir, 'secret'), 'x');
    chmodSync(join(dir, 'secret'), 0o664);
    expect(ensure(dir)).toEqual([]);
    expect(modeOf(join(dir, 'store'))).toBe(0o775);
  });

  it('leaves a file with another hard link as it is, behind the owner-only directory', () => {
    const dir = existing(0o755);
    const outside = join(openParent(), 'elsewhere');
    writeFileSync(outside, 'x', { mode: 0o644 });
    chmodSync(outside, 0o644);
    linkSync(outside, join(dir, 'linked'));
    ensure(dir);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(outside)).toBe(0o644);
  });

  it('leaves an owner-only directory as it is, without a warning (0700 and narrower)', () => {
    for (const mode of [0o700, 0o500]) {
      const dir = existing(mode);
      expect(ensure(dir)).toEqual([]);
      expect(modeOf(dir)).toBe(mode);
    }
  });

  if (otherUserReason) console.log(`private-dir: the other user's cases are skipped: ${otherUserReason}`);

  describe.skipIf(otherUserReason !== undefined)('against another local user', () => {
    it('the helper runs as a user who is not this one', () => {
      expect(asOtherUser(['id', '-u']).stdout.trim()).toBe(String(OTHER_USER_ID));
    });

    it('a reader who kept a working directory inside gets none of what is written there after', async () => {
      const dir = existing(0o755);
      const store = join(dir, 'store');
      mkdirSync(store, { mode: 0o755 });
      chmodSync(store, 0o755);
      // The other user sits in the store's directory, then reads a file written after the narrowing.
      const reader = spawn('setpriv', [`--reuid=${OTHER_USER_ID}`, `--regid=${OTHER_USER_ID}`, '--clear-groups', 'sh', '-c', 'cd "$1" && echo in && read go && cat part.bin', 'sh', store]);
      let out = '';
      let err = '';
      reader.stdout.on('data', (d) => (out += d));
      reader.stderr.on('data', (d) => (err += d));
      await new Promise<void>((resolve) => reader.stdout.once('data', () => resolve()));
      ensure(dir);
      // As the engine writes under the usual umask.
      writeFileSync(join(store, 'part.bin'), 'canary-private-dir-51a0', { mode: 0o644 });
      chmodSync(join(store, 'part.bin'), 0o644);
      reader.stdin.end('go\n');
      await new Promise((resolve) => reader.once('close', resolve));
      expect(out).toBe('in\n');
      expect(err).toContain('Permission denied');
    });

    it("refuses another user's directory and changes nothing", () => {
      const dir = existing(0o700);
      chownSync(dir, OTHER_USER_ID, OTHER_USER_ID);
      expect(() => ensure(dir)).toThrow(UnsafeDirError);
      expect(() => ensure(dir)).toThrow(`belongs to user ${OTHER_USER_ID}, not to this one`);
      expect(modeOf(dir)).toBe(0o700);
      expect(statSync(dir).uid).toBe(OTHER_USER_ID);
    });

    it("refuses a directory another user made in advance, with a key secret of theirs in it (helper-63's finding)", () => {
      const parent = openParent();
      // Like /tmp: anyone may make a directory there.
      chmodSync(parent, 0o1777);
      const dir = join(parent, 'data');
      expect(asOtherUser(['sh', '-c', 'mkdir -m 700 "$1" && printf attacker-secret > "$1/secret"', 'sh', dir]).status).toBe(0);
      expect(() => ensure(dir)).toThrow(`belongs to user ${OTHER_USER_ID}`);
    });

    it("refuses another user's symbolic link, even to a directory of this user's", () => {
      const parent = openParent();
      const target = join(parent, 'mine');
      mkdirSync(target, { mode: 0o700 });
      const link = join(parent, 'data');
      chmodSync(parent, 0o1777);
      expect(asOtherUser(['ln', '-s', target, link]).status).toBe(0);
      expect(() => ensure(link)).toThrow(`a symbolic link of user ${OTHER_USER_ID}'s`);
    });

    it("refuses a directory inside another user's (helper-65: they could put another in its place)", () => {
      const parent = openParent();
      const theirs = join(parent, 'theirs');
      mkdirSync(theirs, { mode: 0o755 });
      chownSync(theirs, OTHER_USER_ID, OTHER_USER_ID);
      mkdirSync(join(theirs, 'data'), { mode: 0o700 });
      expect(() => ensure(join(theirs, 'data'))).toThrow(`it is inside ${theirs}, of user ${OTHER_USER_ID}`);
      // Through a link of ours to it too: the real path is checked.
      symlinkSync(join(theirs, 'data'), join(parent, 'link'));
      expect(() => ensure(join(parent, 'link'))).toThrow(`it is inside ${theirs}, of user ${OTHER_USER_ID}`);
    });

    it("refuses a directory holding another user's entry, open or owner-only (helper-65: left there while it was open), and leaves it as it was", () => {
      for (const mode of [0o755, 0o700]) {
        const dir = existing(mode);
        const planted = join(dir, 'secret');
        writeFileSync(planted, 'attacker-secret');
        chownSync(planted, OTHER_USER_ID, OTHER_USER_ID);
        expect(() => ensure(dir), mode.toString(8)).toThrow(`it holds ${planted}, which belongs to user ${OTHER_USER_ID}`);
        expect(modeOf(dir)).toBe(mode);
      }
    });
  });
});
