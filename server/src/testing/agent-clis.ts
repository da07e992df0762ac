import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const requireHere = createRequire(import.meta.url);

/**
 * The native `claude` binary of @anthropic-ai/claude-code. The package's postinstall only
 * copies it from the platform package (which pnpm does not run unless approved), so the test
 * takes it from the platform package itself, as the package's own fallback wrapper does.
 */
export function claudeBinary(): string {
  const wrapper = realpathSync(dirname(requireHere.resolve('@anthropic-ai/claude-code/package.json')));
  const platform = `@anthropic-ai/claude-code-${process.platform}-${process.arch}`;
  return join(dirname(createRequire(join(wrapper, 'package.json')).resolve(`${platform}/package.json`)), 'claude');
}

/** `codex` as its npm package runs it: a small Node launcher that execs the native build. */
export function codexCommand(): string[] {
  return [process.execPath, join(dirname(requireHere.resolve('@openai/codex/package.json')), 'bin', 'codex.js')];
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A scratch HOME (and working directory) per run, so no run reads the machine's own agent settings. */
async function withScratchHome<T>(work: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'periscope-agent-'));
  try {
    return await work(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Only what an agent needs: PATH and a scratch HOME; nothing from the test's own environment leaks in. */
const baseEnv = (home: string): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' });

export interface ClaudeRunOptions {
  /** The gateway root (Claude Code appends /v1/messages). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`, as `periscope connect claude-code` sets it up. */
  authToken: string;
  prompt: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** `claude -p PROMPT --output-format json` pointed at the gateway, as a user's settings would. */
export function runClaude(o: ClaudeRunOptions): Promise<CliRun> {
  return withScratchHome((home) =>
    run([claudeBinary(), '-p', o.prompt, '--output-format', 'json'], {
      ...baseEnv(home),
      ANTHROPIC_BASE_URL: o.baseUrl,
      ANTHROPIC_AUTH_TOKEN: o.authToken,
      CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1',
      // No network here but loopback: skip update checks and telemetry instead of waiting on them.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ...o.env,
    }, home, o.timeoutMs ?? 60_000));
}

export interface CodexRunOptions {
  /** The gateway's OpenAI base (`<gateway>/v1`). */
  baseUrl: string;
  gatewayKey: string;
  prompt: string;
  timeoutMs?: number;
}

/** `codex exec PROMPT` with a model provider for the gateway in its config.toml, as `periscope connect codex` writes it. */
export function runCodex(o: CodexRunOptions): Promise<CliRun> {
  return withScratchHome(async (home) => {
    const codexHome = join(home, '.codex');
    await mkdir(codexHome, { recursive: true });
    await writeFile(join(codexHome, 'config.toml'), [
      'model_provider = "periscope"',
      '',
      '[model_providers.periscope]',
      'name = "Periscope"',
      `base_url = ${JSON.stringify(o.baseUrl)}`,
      'wire_api = "responses"',
      `http_headers = { "Periscope-Auth" = ${JSON.stringify(`Bearer ${o.gatewayKey}`)} }`,
      '',
    ].join('\n'));
    return run([...codexCommand(), 'exec', '--skip-git-repo-check', o.prompt], { ...baseEnv(home), CODEX_HOME: codexHome }, home, o.timeoutMs ?? 60_000);
  });
}
