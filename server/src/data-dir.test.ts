import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_WARNING, ensureDataDir } from './data-dir.ts';
import { asOtherUser, OTHER_USER_ID, otherUserReason } from './testing/other-user.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory that other users may traverse (mkdtemp's own is 0700). */
function openParent(): string {
  const dir = mkdtempSync(join(tmpdir(), 'data-dir-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  return dir;
}

const modeOf = (dir: string) => statSync(dir).mode & 0o777;

/** Runs ensureDataDir on `dir` and returns the warnings with the data directory's code that name it. */
async function warningsOf(dir: string): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.code === DATA_DIR_WARNING && w.message.includes(`${dir} `)) seen.push(w.message);
  };
  process.on('warning', listener);
  try {
    ensureDataDir(dir);
    // process.emitWarning delivers on the next tick.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('ensureDataDir', () => {
  it('creates a missing directory (and its parents) for its owner only, and says nothing', async () => {
    const dir = join(openParent(), 'a', 'data');
    expect(await warningsOf(dir)).toEqual([]);
    expect(modeOf(dir)).toBe(0o700);
  });

  it('narrows an existing directory open to group or others to 0700, with a warning naming it', async () => {
    for (const mode of [0o755, 0o750, 0o701, 0o777, 0o710]) {
      const dir = join(openParent(), 'data');
      mkdirSync(dir);
      chmodSync(dir, mode);
      const warnings = await warningsOf(dir);
      expect(modeOf(dir), mode.toString(8)).toBe(0o700);
      expect(warnings).toEqual([expect.stringContaining(`${dir} was 0${mode.toString(8)}; it is now 0700`)]);
    }
  });

  it('leaves an owner-only directory as it is, without a warning (0700 and narrower)', async () => {
    for (const mode of [0o700, 0o500]) {
      const dir = join(openParent(), 'data');
      mkdirSync(dir);
      chmodSync(dir, mode);
      expect(await warningsOf(dir)).toEqual([]);
      expect(modeOf(dir)).toBe(mode);
    }
  });

  if (otherUserReason) console.log(`data-dir: the other user's cases are skipped: ${otherUserReason}`);

  describe.skipIf(otherUserReason !== undefined)('as another local user', () => {
    it('the helper runs as a user who is not this one', () => {
      expect(asOtherUser(['id', '-u']).stdout.trim()).not.toBe(String(process.getuid!()));
    });

    it('reads nothing in a directory that was 0755, once narrowed', () => {
      const dir = join(openParent(), 'data');
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      // As the engine writes its files: 0644 under the usual umask.
      const file = join(dir, 'part.bin');
      writeFileSync(file, 'canary-data-dir-4e1f', { mode: 0o644 });
      const read = () => asOtherUser(['cat', file]);
      expect(read().stdout, 'the other user reads the file before').toBe('canary-data-dir-4e1f');
      ensureDataDir(dir);
      const after = read();
      expect(after.stdout).toBe('');
      expect(after.stderr).toContain('Permission denied');
    });

    it("leaves another user's open directory as it is, with a warning", async () => {
      const dir = join(openParent(), 'data');
      mkdirSync(dir, { mode: 0o755 });
      chownSync(dir, OTHER_USER_ID, OTHER_USER_ID);
      const warnings = await warningsOf(dir);
      expect(modeOf(dir)).toBe(0o755);
      expect(warnings).toEqual([expect.stringContaining(`${dir} is 0755 and not this user's`)]);
    });
  });
});
