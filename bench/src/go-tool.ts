/**
 * The bench's own Go programs (bench/mock-upstream, bench/stream-clients): standard library only,
 * built with the machine's Go once per version of their source and of Go, and cached under
 * .periscope/bench-go/, so no run measures a stale or foreign build.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN_DIR = fileURLToPath(new URL('../../.periscope/bench-go/', import.meta.url));

export type GoTool = 'mock-upstream' | 'stream-clients';

const built = new Map<GoTool, Promise<string>>();

/** The binary for the tool's current source (built when missing: seconds, no module downloads). */
export function goToolBinary(tool: GoTool): Promise<string> {
  let bin = built.get(tool);
  if (!bin) {
    bin = build(tool);
    // A failed build is tried again on the next call, not remembered.
    bin.catch(() => built.delete(tool));
    built.set(tool, bin);
  }
  return bin;
}

async function build(tool: GoTool): Promise<string> {
  const source = fileURLToPath(new URL(`../${tool}/`, import.meta.url));
  let go: string;
  try {
    go = (await run('go', ['env', 'GOVERSION', 'GOOS', 'GOARCH'])).stdout;
  } catch (err) {
    throw new Error(`the bench's ${tool} is a Go program and needs Go 1.23+ on PATH: ${(err as Error).message}`);
  }
  const hash = createHash('sha256').update(go);
  for (const file of (await readdir(source)).filter((f) => f.endsWith('.go') || f === 'go.mod').sort()) {
    hash.update(file).update(await readFile(source + file));
  }
  const bin = `${BIN_DIR}${tool}-${hash.digest('hex').slice(0, 16)}`;
  if (await access(bin).then(() => true, () => false)) return bin;
  await mkdir(BIN_DIR, { recursive: true });
  // Built under a temporary name first, so an interrupted build is redone rather than trusted.
  const tmp = `${bin}.${process.pid}.tmp`;
  await run('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: source, env: { ...process.env, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' }, timeout: 5 * 60_000,
  });
  await rename(tmp, bin);
  return bin;
}
