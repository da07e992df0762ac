import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { MockUpstream } from '@periscope/testkit';

/** One call sent through the gateway, as the test knows it. */
export interface SentCall {
  id: string;
  model: string;
  user: string;
  team: string;
  prompt: string;
  /** What the assistant answered, when text. */
  reply?: string;
  /** The tool the assistant called, when one. */
  tool?: string;
  /** Set for calls of SESSION. */
  sessionPath?: string;
  failed?: boolean;
  /** The model that served after the asked one failed. */
  fallback?: string;
  /** Answered from the response cache. */
  cacheHit?: boolean;
}

export const SESSION = { id: 'e2e-kyoto-trip', name: 'Kyoto trip planner' };
const SUPPORT_SESSION = { id: 'e2e-refund-triage', name: 'Refund triage' };

function meta(user: string, team: string, sessionPath?: string, session = SESSION): Record<string, string> {
  const h: Record<string, string> = { 'Periscope-User-Id': user, 'Periscope-Property-Team': team };
  if (sessionPath) Object.assign(h, { 'Periscope-Session-Id': session.id, 'Periscope-Session-Name': session.name, 'Periscope-Session-Path': sessionPath });
  return h;
}

/**
 * Real traffic through the gateway with the official SDKs: chat, streams, Anthropic tool use,
 * the Responses API, an upstream error, spread over users, a `team` property and one session
 * with a path tree. The gateway key goes as the SDK's API key, so the configured provider
 * keys are used upstream.
 */
export async function sendTraffic(base: string, key: string, mock: MockUpstream): Promise<SentCall[]> {
  const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0 });
  const sent: SentCall[] = [];

  const chat = async (model: string, prompt: string, user: string, team: string, sessionPath?: string) => {
    const { data, response } = await openai.chat.completions
      .create({ model, messages: [{ role: 'system', content: 'You are a concise travel agent.' }, { role: 'user', content: prompt }] }, { headers: meta(user, team, sessionPath) })
      .withResponse();
    sent.push({ id: response.headers.get('periscope-request-id')!, model, user, team, prompt, reply: data.choices[0]!.message.content ?? '', sessionPath });
  };

  await chat('gpt-4o-mini', 'Plan a 3-day trip to Kyoto', 'alice', 'search', '/plan');

  {
    const prompt = 'Suggest three temples for day one';
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: prompt }] }, { headers: meta('alice', 'search', '/plan/day-1') })
      .withResponse();
    let reply = '';
    for await (const chunk of stream) reply += chunk.choices[0]?.delta.content ?? '';
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'gpt-4o-mini', user: 'alice', team: 'search', prompt, reply, sessionPath: '/plan/day-1' });
  }

  {
    const prompt = 'Find a hotel near Gion for two nights';
    const { data, response } = await anthropic.messages
      .create({
        model: 'claude-sonnet-4-5', max_tokens: 512, system: 'You book hotels.',
        tools: [{ name: 'search_hotels', description: 'Search hotels by area', input_schema: { type: 'object', properties: { area: { type: 'string' }, nights: { type: 'integer' } }, required: ['area'] } }],
        tool_choice: { type: 'tool', name: 'search_hotels' },
        messages: [{ role: 'user', content: prompt }],
      }, { headers: meta('bob', 'billing', '/plan/day-1/hotels') })
      .withResponse();
    const tool = data.content.find((b) => b.type === 'tool_use');
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'claude-sonnet-4-5', user: 'bob', team: 'billing', prompt, tool: tool?.type === 'tool_use' ? tool.name : undefined, sessionPath: '/plan/day-1/hotels' });
  }

  {
    const prompt = 'What should we eat at Nishiki market?';
    const { data: stream, response } = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 256, stream: true, messages: [{ role: 'user', content: prompt }] }, { headers: meta('bob', 'billing', '/plan/day-2') })
      .withResponse();
    let reply = '';
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') reply += event.delta.text;
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'claude-haiku-4-5', user: 'bob', team: 'billing', prompt, reply, sessionPath: '/plan/day-2' });
  }

  {
    const prompt = 'Summarise our refund policy in one line';
    const { data, response } = await openai.responses.create({ model: 'gpt-4.1', instructions: 'Be brief.', input: prompt }, { headers: meta('carol', 'support') }).withResponse();
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'gpt-4.1', user: 'carol', team: 'support', prompt, reply: data.output_text });
  }

  try {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'This one fails upstream' }] }, { headers: { ...meta('carol', 'support'), 'x-mock-scenario': 'error-500' } });
    throw new Error('the error-500 scenario did not fail');
  } catch (e) {
    if (!(e instanceof OpenAI.APIError)) throw e;
    sent.push({ id: e.headers?.get('periscope-request-id') ?? '', model: 'gpt-4o-mini', user: 'carol', team: 'support', prompt: 'This one fails upstream', failed: true });
  }

  // A second, shorter agent run, so the sessions list has more than one.
  for (const path of ['/triage', '/triage/lookup-order']) {
    const prompt = `Step ${path}: customer asks for a refund of order 1042`;
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: prompt }] }, { headers: meta('carol', 'support', path, SUPPORT_SESSION) })
      .withResponse();
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'gpt-4.1-mini', user: 'carol', team: 'support', prompt, reply: data.choices[0]!.message.content ?? '' });
  }

  // The response cache: the same call twice, the second answered by Periscope.
  for (let i = 0; i < 2; i++) {
    const prompt = 'What is the capital of Japan?';
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }, { headers: { ...meta('erin', 'search'), 'Periscope-Cache-Enabled': 'true' } })
      .withResponse();
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'gpt-4o-mini', user: 'erin', team: 'search', prompt, reply: data.choices[0]!.message.content ?? '', cacheHit: response.headers.get('periscope-cache') === 'HIT' });
  }

  // A fallback: the first upstream attempt fails with a 500, the fallback model answers.
  {
    const prompt = 'Translate "thank you" into Japanese';
    mock.enqueueScenarios('error-500');
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] }, { headers: { ...meta('erin', 'support'), 'Periscope-Fallbacks': 'gpt-4.1-mini' } })
      .withResponse();
    sent.push({ id: response.headers.get('periscope-request-id')!, model: 'gpt-4o', user: 'erin', team: 'support', prompt, reply: data.choices[0]!.message.content ?? '', fallback: response.headers.get('periscope-fallback') ?? undefined });
  }

  const extra: [string, string][] = [['gpt-4.1-mini', 'search'], ['claude-haiku-4-5', 'search'], ['gpt-4.1-mini', 'support'], ['claude-haiku-4-5', 'billing'], ['gpt-4o-mini', 'search'], ['gpt-4.1-mini', 'search']];
  for (const [i, [model, team]] of extra.entries()) {
    const prompt = `Question ${i + 1}: best season to visit Japan?`;
    if (model.startsWith('claude')) {
      const { data, response } = await anthropic.messages.create({ model, max_tokens: 128, messages: [{ role: 'user', content: prompt }] }, { headers: meta('dave', team) }).withResponse();
      sent.push({ id: response.headers.get('periscope-request-id')!, model, user: 'dave', team, prompt, reply: data.content.map((b) => (b.type === 'text' ? b.text : '')).join('') });
    } else {
      await chat(model, prompt, 'dave', team);
    }
  }
  return sent;
}
