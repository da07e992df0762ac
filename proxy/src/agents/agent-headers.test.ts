import { describe, expect, it } from 'vitest';
import { AGENT_HEADERS } from '@periscope/testkit';
import { parseConfig } from '../config/load.ts';
import { readRequestMetadata } from '../request-metadata.ts';
import { applyAgentHeaders, detectAgent } from './agent-headers.ts';
import { AgentPaths } from './agent-paths.ts';

const settings = parseConfig({}, {}).sessions;

function metaFor(headers: Record<string, string>, paths = new AgentPaths(100), s = settings) {
  const meta = readRequestMetadata(headers);
  applyAgentHeaders(meta, headers, s, paths, 'p1');
  return meta;
}

describe('sessions and agents from the agents’ own headers (recorded from the real CLIs)', () => {
  it('Claude Code: X-Claude-Code-Session-Id is the session, the agent and version are properties', () => {
    const meta = metaFor(AGENT_HEADERS.claude_code.main);
    expect(meta.sessionId).toBe(AGENT_HEADERS.claude_code.main['x-claude-code-session-id']);
    expect(meta.properties).toEqual({ agent: 'claude-code', agent_version: '2.1.332' });
    expect(meta.sessionPath).toBe('');
  });

  it('Codex: session-id is the session, the agent path from its turn metadata', () => {
    const meta = metaFor(AGENT_HEADERS.codex.responses);
    expect(meta.sessionId).toBe(AGENT_HEADERS.codex.responses['session-id']);
    expect(meta.properties).toEqual({ agent: 'codex', agent_version: '0.171.0' });
    expect(meta.sessionPath).toBe('/root');
  });

  it('Claude Code subagents sit under their parent, nested ones under the whole chain', () => {
    const paths = new AgentPaths(100);
    const sub = AGENT_HEADERS.claude_code.subagent;
    const parent = sub['x-claude-code-parent-agent-id'];
    const session = sub['x-claude-code-session-id'];
    const top = metaFor({ ...AGENT_HEADERS.claude_code.main, 'x-claude-code-agent-id': parent }, paths);
    expect(top.sessionPath).toBe(`/${parent}`);
    expect(metaFor(sub, paths).sessionPath).toBe(`/${parent}/${sub['x-claude-code-agent-id']}`);
    const nested = metaFor({ ...sub, 'x-claude-code-agent-id': 'a3', 'x-claude-code-parent-agent-id': sub['x-claude-code-agent-id'] }, paths);
    expect(nested.sessionPath).toBe(`/${parent}/${sub['x-claude-code-agent-id']}/a3`);
    expect(nested.sessionId).toBe(session);
    // A parent this gateway never saw roots the path at the parent.
    expect(metaFor(sub).sessionPath).toBe(`/${parent}/${sub['x-claude-code-agent-id']}`);
  });

  it('Gemini CLI: the agent and version; it sends no session header of its own', () => {
    const meta = metaFor(AGENT_HEADERS.gemini_cli.stream_generate_content.headers);
    expect(meta.properties).toEqual({ agent: 'gemini-cli', agent_version: '0.61.0' });
    expect(meta.sessionId).toBe('');
  });

  it('Periscope-Session-Id, -Session-Path and properties the client sends win', () => {
    const meta = metaFor({ ...AGENT_HEADERS.claude_code.subagent, 'periscope-session-id': 'mine', 'periscope-session-path': '/x', 'periscope-property-agent': 'custom' });
    expect(meta).toMatchObject({ sessionId: 'mine', sessionPath: '/x', properties: { agent: 'custom', agent_version: '2.1.332' } });
  });

  it('sessions.from_headers picks the headers, in order; [] turns it off', () => {
    const custom = parseConfig({ sessions: { from_headers: ['X-My-Run', 'session-id'] } }, {}).sessions;
    expect(custom.from_headers).toEqual(['x-my-run', 'session-id']);
    expect(metaFor({ 'x-my-run': 'r1', 'session-id': 's1' }, undefined, custom).sessionId).toBe('r1');
    const off = parseConfig({ sessions: { from_headers: [] } }, {}).sessions;
    expect(metaFor(AGENT_HEADERS.codex.responses, undefined, off).sessionId).toBe('');
    expect(() => parseConfig({ sessions: { from_headers: ['bad header'] } }, {})).toThrow(/sessions\.from_headers\.0/);
  });

  it('a session header value is clipped, and other clients are no agent', () => {
    expect(metaFor({ 'session-id': 'x'.repeat(5000) }).sessionId).toHaveLength(1024);
    expect(detectAgent('OpenAI/JS 6.49.0')).toBeUndefined();
    expect(detectAgent('GeminiCLI/0.61.0 (linux; x64)')).toEqual({ agent: 'gemini-cli', version: '0.61.0' });
    expect(detectAgent('Agents/JavaScript 0.20.0')).toEqual({ agent: 'openai-agents', version: '0.20.0' });
    expect(metaFor({ 'user-agent': 'codex_exec/0.171.0', 'x-codex-turn-metadata': '{not json', 'session-id': 's' }).sessionPath).toBe('');
  });
});
