/**
 * How each peer gateway is installed, started and addressed so that it forwards the bench's calls
 * to the same mock as Periscope. Each starter returns a handle or throws with the reason to skip.
 */
import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Target } from './load.ts';
import { freePort, lastLine, startPeerProcess, type PeerHandle } from './peer-process.ts';

export type PeerName = 'portkey' | 'litellm';
export const PEER_NAMES: PeerName[] = ['portkey', 'litellm'];

export interface StartedPeer {
  handle: PeerHandle;
  target: Target;
  /** What ran, for the table: package and version, how it was started. */
  label: string;
}

/** The provider key the client sends on every path (the mock does not check it). */
const CLIENT_KEY = 'Bearer sk-bench-client-key-0123456789';

/**
 * `@portkey-ai/gateway` through its own bin (`build/start-server.js`): `--port=N` picks the port,
 * `--headless` leaves out the log UI. Calls name the provider and the upstream per request with
 * `x-portkey-provider` and `x-portkey-custom-host`; loopback hosts are in its default
 * TRUSTED_CUSTOM_HOSTS, so the mock on 127.0.0.1 is accepted.
 */
export async function startPortkey(mockUrl: string): Promise<StartedPeer> {
  const pkgJson = fileURLToPath(import.meta.resolve('@portkey-ai/gateway/package.json'));
  const pkg = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0];
  if (!bin) throw new Error('@portkey-ai/gateway declares no bin');
  const port = await freePort();
  const handle = await startPeerProcess(process.execPath, [join(dirname(pkgJson), bin), `--port=${port}`, '--headless'], {
    port, readyPath: '/', readyTimeoutMs: 20_000, env: { NODE_ENV: 'production' },
  });
  return {
    handle,
    label: `Portkey (\`@portkey-ai/gateway\` ${pkg.version}, its CLI, headless)`,
    target: {
      name: 'portkey',
      origin: handle.url,
      headers: { authorization: CLIENT_KEY, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mockUrl}/v1` },
    },
  };
}

const run = promisify(execFile);

/** Why a command failed, in one line: timeout, missing binary, or the last line it printed. */
function failure(what: string, err: unknown, timeoutMs: number): Error {
  const e = err as { killed?: boolean; code?: string | number; stderr?: string; stdout?: string; message?: string };
  if (e.killed) return new Error(`${what} timed out after ${timeoutMs / 1000} s`);
  if (e.code === 'ENOENT') return new Error(`${what}: command not found`);
  return new Error(`${what} failed: ${lastLine(`${e.stdout ?? ''}\n${e.stderr ?? ''}`) || e.message}`);
}

const LITELLM_MASTER_KEY = 'sk-bench-litellm-master-3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e';
export const LITELLM_INSTALL_TIMEOUT_MS = 5 * 60_000;

/**
 * LiteLLM's proxy from PyPI in a throwaway virtualenv (removed on stop), one worker, no database,
 * with model `gpt-4o-mini` mapped to `openai/gpt-4o-mini` at the mock. The bundled model cost map
 * is used so that start-up does not fetch it from the internet.
 */
export async function startLitellm(mockUrl: string, log: (msg: string) => void): Promise<StartedPeer> {
  const dir = await mkdtemp(join(tmpdir(), 'periscope-bench-litellm-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const venv = join(dir, 'venv');
    await run('python3', ['-m', 'venv', venv], { timeout: 60_000 }).catch((err: unknown) => {
      throw failure('python3 -m venv', err, 60_000);
    });
    log(`    pip install 'litellm[proxy]' into ${venv} (at most ${LITELLM_INSTALL_TIMEOUT_MS / 60_000} min)`);
    await run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'litellm[proxy]'], {
      timeout: LITELLM_INSTALL_TIMEOUT_MS, maxBuffer: 16 * 2 ** 20,
    }).catch((err: unknown) => {
      throw failure("pip install 'litellm[proxy]'", err, LITELLM_INSTALL_TIMEOUT_MS);
    });
    const { stdout: version } = await run(join(venv, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("litellm"))']);
    const config = join(dir, 'config.yaml');
    await writeFile(config, [
      'model_list:',
      '  - model_name: gpt-4o-mini',
      '    litellm_params:',
      '      model: openai/gpt-4o-mini',
      `      api_base: ${mockUrl}/v1`,
      '      api_key: sk-bench-dummy-key',
      // Recent releases refuse to start without a master key; clients then send it as their bearer token.
      'general_settings:',
      `  master_key: ${LITELLM_MASTER_KEY}`,
      '',
    ].join('\n'));
    const port = await freePort();
    const handle = await startPeerProcess(join(venv, 'bin', 'litellm'), ['--config', config, '--host', '127.0.0.1', '--port', String(port)], {
      port, readyPath: '/health/liveliness', readyTimeoutMs: 120_000, cwd: dir,
      env: { LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_LOG: 'ERROR', PYTHONUNBUFFERED: '1' },
    });
    return {
      handle: { ...handle, stop: () => handle.stop().then(cleanup) },
      label: `LiteLLM proxy (\`litellm[proxy]\` ${version.trim()} from PyPI, its CLI, 1 worker, no database)`,
      target: { name: 'litellm', origin: handle.url, headers: { authorization: `Bearer ${LITELLM_MASTER_KEY}` } },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
