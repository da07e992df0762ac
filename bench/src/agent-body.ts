/**
 * An agent-sized chat request. Coding agents (Claude Code, Codex) send the whole conversation on
 * every call, the files they read and their tools' output included: 0.1–1 MB a call, against the
 * comparison's 110 bytes. This one is a conversation about fastify's source, as the lockfile pins
 * that package (a dependency of the bench): docs in the user's turns, code in the assistant's,
 * so every run and every machine sends the same bytes, and they hold what such text holds
 * (quotes, backslashes, newlines, non-ASCII characters) in a real mix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The size the bench sends: the middle of what agents send. */
export const AGENT_BODY_BYTES = 150_000;
/** Characters per message: about what an agent's tool call returns from a file at a time. */
const PIECE = 2000;

function filesOf(dir: string, suffix: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(suffix)).sort().map((f) => join(dir, f));
}

function pieces(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (let i = 0; i < text.length; i += PIECE) out.push(text.slice(i, i + PIECE));
  }
  return out;
}

/** The JSON body of a non-streamed chat call of at most `bytes` bytes (UTF-8), and at least `bytes` minus one message. */
export function agentBody(bytes = AGENT_BODY_BYTES): string {
  const root = dirname(createRequire(import.meta.url).resolve('fastify/package.json'));
  const docs = pieces(filesOf(join(root, 'docs', 'Reference'), '.md'));
  const code = pieces([join(root, 'fastify.js'), ...filesOf(join(root, 'lib'), '.js')]);
  const messages: Array<{ role: string; content: string }> = [
    { role: 'system', content: 'You are a coding agent. Read the files you are given and answer with the change to make.' },
  ];
  const size = () => Buffer.byteLength(JSON.stringify({ model: 'gpt-4o-mini', messages }));
  for (let i = 0; i < Math.min(docs.length, code.length) * 2; i++) {
    const next = i % 2 === 0 ? { role: 'user', content: docs[i / 2]! } : { role: 'assistant', content: code[(i - 1) / 2]! };
    messages.push(next);
    if (size() > bytes) {
      messages.pop();
      break;
    }
  }
  return JSON.stringify({ model: 'gpt-4o-mini', messages });
}
