import { homedir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { execArgvFor } from '@periscope/proxy';
import { CONNECT_AGENTS, connect, type ConnectAgent } from '../connect/connect-command.ts';
import { MergeError } from '../connect/merge-settings.ts';
import { env, option, UsageError } from '../options.ts';

/**
 * How Claude Code runs `periscope statusline`: this Node and this CLI directly, the compiled bundle
 * or the source with tsx's loader (pnpm would add ~0.5 s per refresh).
 */
function statusLineCommand(): string {
  const cli = process.argv[1]!;
  return [process.execPath, ...execArgvFor(pathToFileURL(cli)), cli, 'statusline'].map((a) => JSON.stringify(a)).join(' ');
}

export async function connectCommand(values: Record<string, unknown>, agent: string | undefined): Promise<void> {
  if (!agent || !(CONNECT_AGENTS as readonly string[]).includes(agent)) throw new UsageError(`connect needs one of: ${CONNECT_AGENTS.join(', ')}`);
  const key = option(values, 'key', 'PERISCOPE_GATEWAY_KEY');
  if (!key) throw new UsageError('connect needs --key GATEWAY_KEY (or PERISCOPE_GATEWAY_KEY): the key the agent will send');
  try {
    await connect({
      agent: agent as ConnectAgent, key, url: option(values, 'url') ?? `http://127.0.0.1:${env.PERISCOPE_PORT ?? 8787}`,
      home: option(values, 'home') ?? homedir(), statusLineCommand: statusLineCommand(), write: values.write === true, log: (l) => console.log(l),
    });
  } catch (err) {
    if (err instanceof MergeError) throw new UsageError(err.message);
    throw err;
  }
}
