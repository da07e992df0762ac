import { fileURLToPath } from 'node:url';

/** The repository root: Periscope's CLI resolves ui/dist and relative paths from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How the bench launches Periscope's CLI (`periscope start|proxy|ingest …` is appended): the
 * one line to change when the CLI ships as compiled JavaScript (e.g. `['node', 'dist/cli/main.js']`).
 * Node itself, not `pnpm periscope`, so the launched pid is the gateway's and nothing sits between;
 * the first element must stay the node executable (profiling puts --cpu-prof right after it).
 */
export const PERISCOPE_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', 'server/src/cli/main.ts'];
