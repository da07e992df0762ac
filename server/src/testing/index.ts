export { PERISCOPE_CLI } from './cli-command.ts';
export { runClaude, runCodex } from './agent-clis.ts';
