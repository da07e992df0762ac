import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveConfig, watchConfigFile, type ConfigWatcher } from './live-config.ts';
import { loadConfigFile } from './load.ts';

const logs: Array<{ level: string; obj: object; msg: string }> = [];
const log = {
  info: (obj: object, msg: string) => logs.push({ level: 'info', obj, msg }),
  warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj, msg }),
  error: (obj: object, msg: string) => logs.push({ level: 'error', obj, msg }),
};
let watcher: ConfigWatcher | undefined;
let dir: string | undefined;

afterEach(async () => {
  watcher?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  logs.length = 0;
});

const yaml = (rpm: number, port = 10) => `gateway: { timeouts: { connect_ms: ${port * 100} } }\nlimits:\n  - { match: { key: "*" }, rpm: ${rpm} }\n`;

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('config hot reload', () => {
  it('applies a changed file, keeps restart-only sections, and keeps the old config when the new one is bad', async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-config-'));
    const path = join(dir, 'periscope.yaml');
    await writeFile(path, yaml(5));
    const live = new LiveConfig(loadConfigFile(path, {}));
    watcher = watchConfigFile(path, live, log, {});

    await writeFile(path, yaml(7, 20));
    await until(() => live.current.limits[0]?.rpm === 7);
    expect(live.current.gateway.timeouts.connect_ms).toBe(1000); // restart-only: unchanged
    expect(logs.some((l) => l.level === 'warn' && /after a restart/.test(l.msg))).toBe(true);

    await writeFile(path, 'limits:\n  - { match: { key: "*" }, rpm: -1 }\n');
    await until(() => logs.some((l) => l.level === 'error'));
    expect(live.current.limits[0]?.rpm).toBe(7);
    expect(JSON.stringify(logs.find((l) => l.level === 'error')?.obj)).toMatch(/limits\.0\.rpm/);

    // An editor's save-by-rename is seen too.
    await writeFile(join(dir, 'tmp.yaml'), yaml(9, 20));
    await rename(join(dir, 'tmp.yaml'), path);
    await until(() => live.current.limits[0]?.rpm === 9);
  });

  it('re-reads the file on SIGHUP', async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-config-'));
    const path = join(dir, 'periscope.yaml');
    await writeFile(path, yaml(5));
    const live = new LiveConfig(loadConfigFile(path, {}));
    watcher = watchConfigFile(path, live, log, {});
    const version = live.version;
    await writeFile(path, yaml(11));
    process.kill(process.pid, 'SIGHUP');
    await until(() => live.current.limits[0]?.rpm === 11);
    expect(live.version).toBeGreaterThan(version);
  });
});
