/**
 * The peer gateways, each through its own CLI, forwarding the bench's calls to the same mock as
 * Periscope. Neither logs anything durable here (no database or log sink configured). Each
 * starter returns a running system or throws with the reason the peer is skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, launch } from '../launch.ts';
import { REPO_ROOT } from '../periscope-command.ts';
import { gatewayCoreNodeFlags, onGatewayCore } from '../pinning.ts';
import { CLIENT_AUTH, type Environment, type RunningSystem } from './system.ts';

const run = promisify(execFile);

/**
 * `@portkey-ai/gateway` through its bin (`--port=N`, `--headless` leaves out the log UI). Calls
 * name the provider and upstream per request (`x-portkey-provider`, `x-portkey-custom-host`);
 * loopback hosts are in its default TRUSTED_CUSTOM_HOSTS. The preload works around its
 * streaming failure on Node 20 (see portkey-preload.mjs).
 */
export async function startPortkey(env: Environment): Promise<RunningSystem> {
  const pkgJson = fileURLToPath(import.meta.resolve('@portkey-ai/gateway/package.json'));
  const pkg = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0];
  if (!bin) throw new Error('@portkey-ai/gateway declares no bin');
  const port = await freePort();
  const dir = join(env.runDir, `portkey-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const preload = fileURLToPath(new URL('./portkey-preload.mjs', import.meta.url));
  const argv = onGatewayCore(env.pinning, process.execPath, [
    ...(env.gatewayNodeFlags ?? []), '--import', preload, join(dirname(pkgJson), bin), `--port=${port}`, '--headless',
  ]);
  const gateway = await launch({
    ...argv, env: { NODE_ENV: 'production', NODE_OPTIONS: undefined }, logFile: join(dir, 'portkey.log'),
    readyUrl: `http://127.0.0.1:${port}/`, readyTimeoutMs: 30_000,
  });
  return {
    name: 'portkey',
    label: `\`@portkey-ai/gateway\` ${pkg.version}, its CLI, headless, with the Node 20 streaming preload${gatewayCoreNodeFlags(env.pinning).map((flag) => `, without ${flag} (as its CLI starts it)`).join('')}`,
    version: pkg.version,
    target: {
      origin: `http://127.0.0.1:${port}`,
      headers: { authorization: CLIENT_AUTH, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${env.mockUrl}/v1` },
    },
    gateway, childRole: 'gateway worker', helpers: [], stop: () => gateway.stop(10_000),
  };
}

/** Why a command failed, in one line. */
function failure(what: string, err: unknown): Error {
  const e = err as { killed?: boolean; code?: string | number; stderr?: string; stdout?: string; message?: string };
  if (e.killed) return new Error(`${what} timed out`);
  if (e.code === 'ENOENT') return new Error(`${what}: command not found`);
  const lines = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return new Error(`${what} failed: ${(lines.at(-1) ?? e.message ?? '').slice(0, 200)}`);
}

const LITELLM_MASTER_KEY = 'sk-bench-litellm-master-3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e';
const LITELLM_VENV = join(REPO_ROOT, '.periscope', 'litellm-venv');
/** Written after pip succeeded: a venv without it is a broken install and is made again. */
const LITELLM_STAMP = join(LITELLM_VENV, '.installed');
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** LiteLLM's proxy from PyPI in a virtualenv cached under .periscope/ (installed on first use). */
async function litellmVenv(env: Environment): Promise<string> {
  if (existsSync(LITELLM_STAMP)) return LITELLM_VENV;
  await rm(LITELLM_VENV, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', LITELLM_VENV], { timeout: 60_000 }).catch((err: unknown) => {
    throw failure('python3 -m venv', err);
  });
  env.log(`    pip install 'litellm[proxy]' into ${LITELLM_VENV} (once; at most ${INSTALL_TIMEOUT_MS / 60_000} min)`);
  await run(join(LITELLM_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'litellm[proxy]'], {
    timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 2 ** 20,
  }).catch((err: unknown) => {
    throw failure("pip install 'litellm[proxy]'", err);
  });
  await writeFile(LITELLM_STAMP, `${new Date().toISOString()}\n`);
  return LITELLM_VENV;
}

/**
 * LiteLLM's proxy with its CLI: one worker (its default), no database, model `gpt-4o-mini`
 * mapped to `openai/gpt-4o-mini` at the mock, the bundled cost map (no fetch at start-up).
 */
export async function startLitellm(env: Environment): Promise<RunningSystem> {
  const venv = await litellmVenv(env);
  const { stdout: version } = await run(join(venv, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("litellm"))']);
  const dir = join(env.runDir, `litellm-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  await writeFile(config, [
    'model_list:',
    '  - model_name: gpt-4o-mini',
    '    litellm_params:',
    '      model: openai/gpt-4o-mini',
    `      api_base: ${env.mockUrl}/v1`,
    '      api_key: sk-bench-dummy-key',
    // Recent releases refuse to start without a master key; clients then send it as their bearer token.
    'general_settings:',
    `  master_key: ${LITELLM_MASTER_KEY}`,
    '',
  ].join('\n'));
  const port = await freePort();
  const argv = onGatewayCore(env.pinning, join(venv, 'bin', 'litellm'), ['--config', config, '--host', '127.0.0.1', '--port', String(port), '--num_workers', '1']);
  const gateway = await launch({
    ...argv, cwd: dir, logFile: join(dir, 'litellm.log'),
    env: { LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_LOG: 'ERROR', PYTHONUNBUFFERED: '1' },
    readyUrl: `http://127.0.0.1:${port}/health/liveliness`, readyTimeoutMs: 180_000,
  });
  return {
    name: 'litellm',
    label: `\`litellm[proxy]\` ${version.trim()} from PyPI, its CLI, 1 worker, no database`,
    version: version.trim(),
    target: { origin: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${LITELLM_MASTER_KEY}` } },
    gateway, childRole: 'gateway worker', helpers: [], stop: () => gateway.stop(10_000),
  };
}

/**
 * The platform floor (floor-relay.mjs): Fastify and undici relaying to the mock with nothing
 * else. Not a product; a reference for what the stack itself costs on this machine.
 */
export async function startFloor(env: Environment): Promise<RunningSystem> {
  const port = await freePort();
  const dir = join(env.runDir, `floor-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const script = fileURLToPath(new URL('./floor-relay.mjs', import.meta.url));
  const argv = onGatewayCore(env.pinning, process.execPath, [...gatewayCoreNodeFlags(env.pinning), ...(env.gatewayNodeFlags ?? []), script, `${env.mockUrl}/v1`, String(port)]);
  const gateway = await launch({
    ...argv, env: { NODE_ENV: 'production', NODE_OPTIONS: undefined }, logFile: join(dir, 'floor.log'),
    readyUrl: `http://127.0.0.1:${port}/healthz`, readyTimeoutMs: 30_000,
  });
  return {
    name: 'floor',
    label: `the platform floor: Fastify 5 + undici relaying to the mock, nothing else (bench/src/systems/floor-relay.mjs)${gatewayCoreNodeFlags(env.pinning).map((flag) => `, started with ${flag} as Periscope's gateways are`).join('')}`,
    target: { origin: `http://127.0.0.1:${port}`, headers: { authorization: CLIENT_AUTH } },
    gateway, childRole: 'gateway worker', helpers: [], stop: () => gateway.stop(10_000),
  };
}
