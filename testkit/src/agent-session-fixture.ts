/**
 * A 30-turn coding-agent session in Anthropic Messages format, as an agent like Claude Code
 * sends it: a long system prompt, eight tools, and a conversation that grows by one tool call
 * and its result per turn. The client sets no cache_control of its own. Deterministic, so
 * costs computed from it are reproducible.
 */

type Json = Record<string, unknown>;

export const AGENT_SESSION_MODEL = 'claude-sonnet-4-5';
const AGENT_SESSION_TURNS = 30;

const RULES = [
  'Read a file before you edit it, and keep edits minimal and focused on the task.',
  'Prefer the existing style of the codebase over your own preferences.',
  'Run the tests that cover the code you changed and report their result honestly.',
  'Never commit secrets, credentials or generated artefacts to the repository.',
  'When a command fails, read its output, form a hypothesis, and test it before changing code.',
  'Explain what you changed and why in one short paragraph at the end of the task.',
  'Ask for clarification only when the task cannot be completed without it.',
  'Keep functions small, name things after what they do, and comment on why, not what.',
];

function systemPrompt(): string {
  const sections: string[] = ['You are a senior software engineer working in a large TypeScript monorepo.'];
  for (let s = 0; s < 12; s++) {
    sections.push(`Section ${s + 1}.`);
    for (const [i, rule] of RULES.entries()) sections.push(`${s + 1}.${i + 1} ${rule}`);
  }
  return sections.join('\n');
}

const TOOL_NAMES = ['read_file', 'write_file', 'list_directory', 'search_code', 'run_tests', 'run_command', 'git_diff', 'open_issue'];

function tools(): Json[] {
  return TOOL_NAMES.map((name) => ({
    name,
    description: `${name.replace('_', ' ')}: ${RULES.join(' ')} Use this tool when the task needs it; its output is returned verbatim and may be long.`,
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Path relative to the repository root.' }, argument: { type: 'string' } },
      required: ['path'],
    },
  }));
}

/** What the tool of turn `t` returned: a source file of about 1,600 characters. */
function toolOutput(t: number): string {
  const lines = [`// src/module-${t}.ts`];
  for (let i = 0; i < 24; i++) lines.push(`export function step${t}_${i}(input: number): number { return input * ${i + 1} + ${t}; }`);
  return lines.join('\n').slice(0, 1600);
}

/**
 * The request bodies of the session's turns, in order: turn 1 holds the task; turn t (> 1)
 * repeats everything before it plus the assistant's tool call of turn t-1 and its result.
 */
export function agentSessionFixture(): Json[] {
  const base = { model: AGENT_SESSION_MODEL, max_tokens: 1024, system: systemPrompt(), tools: tools() };
  const messages: Json[] = [{ role: 'user', content: 'The build of the payments service fails after the last merge. Find the cause and fix it.' }];
  const requests: Json[] = [];
  for (let t = 1; t <= AGENT_SESSION_TURNS; t++) {
    requests.push({ ...base, messages: structuredClone(messages) });
    const id = `toolu_fixture_${String(t).padStart(2, '0')}`;
    const tool = TOOL_NAMES[t % TOOL_NAMES.length]!;
    messages.push({
      role: 'assistant',
      content: [
        { type: 'text', text: `Step ${t}: I will use ${tool} to look at module ${t}.` },
        { type: 'tool_use', id, name: tool, input: { path: `src/module-${t}.ts` } },
      ],
    });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: toolOutput(t) }] });
  }
  return requests;
}
