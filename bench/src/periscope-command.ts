import { fileURLToPath } from 'node:url';
import { buildIfStale, CLI_SOURCE } from '../../scripts/build-server.ts';

/** The repository root: Periscope's CLI resolves ui/dist and relative paths from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How the bench launches Periscope's CLI (`periscope start|proxy|ingest …` is appended): the
 * compiled CLI, as production runs it, relative to REPO_ROOT (the launch's cwd); ensureCompiledCli
 * builds it first.
 * Node itself, not `pnpm periscope`, so the launched pid is the gateway's and nothing sits between;
 * the first element must stay the node executable (profiling puts --cpu-prof right after it).
 */
export const PERISCOPE_COMMAND: readonly string[] = [process.execPath, 'dist/periscope.mjs'];

/** The CLI from its TypeScript source through tsx's loader, as production ran it before the build (`--only startup` compares). */
export const TSX_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', CLI_SOURCE];

let built: Promise<unknown> | undefined;
/** Builds dist/ when it is missing or older than a source it bundles; once per run. */
export function ensureCompiledCli(): Promise<unknown> {
  built ??= buildIfStale();
  return built;
}
