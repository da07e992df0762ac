import type { IncomingHttpHeaders } from 'node:http';
import { MAX_VALUE_LENGTH, type RequestMetadata } from '../request-metadata.ts';
import type { AgentPaths } from './agent-paths.ts';

/** `sessions:` in the config: where a session id comes from when the client sends no Periscope-Session-Id. */
export interface SessionSettings {
  /** Request headers, in order, whose value is taken as the session id (lower-case names). */
  from_headers: string[];
}


/**
 * Agents by their user-agent (or Codex's `originator`): the name Periscope records and the
 * version the pattern captures. Claude Code's API calls say `claude-cli/<v>`, its other
 * calls (model discovery) `claude-code/<v>`; Codex's say `<originator>/<v>` where the
 * originator is codex_exec, codex_cli_rs, codex_vscode...; Gemini CLI `GeminiCLI-<ui>/<v>/<model>`; the
 * OpenAI Agents SDK `Agents/JavaScript <v>` or `Agents/Python <v>`.
 */
const AGENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^claude-(?:cli|code)\/([\w.+-]+)/, 'claude-code'],
  [/^codex[\w-]*\/([\w.+-]+)/, 'codex'],
  [/^GeminiCLI(?:-\w+)?\/([\w.+-]+)/, 'gemini-cli'],
  [/^Agents\/(?:JavaScript|Python) ([\w.+-]+)/, 'openai-agents'],
];

function one(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s.slice(0, MAX_VALUE_LENGTH);
}

/** The agent and its version from the user-agent, or undefined for other clients. */
export function detectAgent(userAgent: string | undefined): { agent: string; version: string } | undefined {
  if (!userAgent) return undefined;
  for (const [pattern, agent] of AGENTS) {
    const m = pattern.exec(userAgent);
    if (m) return { agent, version: m[1]! };
  }
  return undefined;
}

/** Codex puts the agent's place in its team (`/root`, `/root/<worker>`) in a JSON header. */
function codexAgentPath(headers: IncomingHttpHeaders): string | undefined {
  const raw = one(headers, 'x-codex-turn-metadata');
  if (!raw) return undefined;
  try {
    const name = (JSON.parse(raw) as { agent_name?: unknown }).agent_name;
    return typeof name === 'string' && name.startsWith('/') ? name.slice(0, MAX_VALUE_LENGTH) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fills what the client did not say itself from what coding agents send on their own: the
 * session id (from `sessions.from_headers`; Periscope-Session-Id always wins), the agent and
 * its version as the properties `agent` and `agent_version` (a Periscope-Property of the same
 * name wins), and where a subagent's call sits in its session (`session_path`): Claude Code
 * names each subagent and its parent (`x-claude-code-agent-id`, `-parent-agent-id`), Codex
 * sends the agent's path in `x-codex-turn-metadata`. Header lookups only; no body is read.
 */
export function applyAgentHeaders(meta: RequestMetadata, headers: IncomingHttpHeaders, settings: SessionSettings, paths: AgentPaths, projectId: string): void {
  if (!meta.sessionId) {
    for (const name of settings.from_headers) {
      const v = one(headers, name);
      if (v) {
        meta.sessionId = v;
        break;
      }
    }
  }
  const found = detectAgent(one(headers, 'user-agent'));
  if (found) {
    if (meta.properties.agent === undefined) meta.properties.agent = found.agent;
    if (meta.properties.agent_version === undefined) meta.properties.agent_version = found.version;
  }
  if (meta.sessionPath || !meta.sessionId) return;
  const agentId = one(headers, 'x-claude-code-agent-id');
  if (agentId) {
    meta.sessionPath = paths.pathOf(projectId, meta.sessionId, agentId, one(headers, 'x-claude-code-parent-agent-id'));
    return;
  }
  const codexPath = codexAgentPath(headers);
  if (codexPath) meta.sessionPath = codexPath;
}
