/**
 * Generated attacks on the gateway's boundaries, for tests that plant a canary and check it
 * never comes out. Every generator takes the suite's seeded random (so a failure replays
 * from its seed) and returns plain strings; the tests decide what must hold.
 */

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function chars(random: Random, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** How many generated cases a suite runs: a fixed number by default, more with PERISCOPE_ATTACK_CASES. */
export function attackCases(defaultCount: number): number {
  const n = Number(process.env.PERISCOPE_ATTACK_CASES);
  return Number.isInteger(n) && n > 0 ? n : defaultCount;
}

// ---------------------------------------------------------------------------------------------
// Paths that try to climb out of a provider's base path.

/** Spellings of a dot segment: plain, percent-encoded in any case, half-encoded, double-encoded, overlong UTF-8, with `;`. */
const DOTS = [
  '..', '.', '%2e%2e', '%2E%2E', '%2e%2E', '.%2e', '%2e.', '.%2E', '%2E', '%2e', '%252e%252e', '%252E.', '%c0%ae%c0%ae', '%c0%2e%c0%2e',
  '%e0%80%ae%e0%80%ae', '%C0%AE.', '..;', '..;x=1', '.;', '..%3b', '%2e%2e%3b', '..%00', '..%2500',
];
/** Separators between segments: plain, encoded, double-encoded, backslashes, doubled. */
const SEPARATORS = ['/', '/', '/', '%2f', '%2F', '%252f', '\\', '%5c', '%5C', '%255c', '//', '/./', '\\/'];
/** What an attacker wants to reach once out of the base path. */
const TARGETS = ['x', 'admin', 'canary/secret', 'v1/chat/completions', '', '?q=1', '#frag', 'a.b'];

/**
 * A path (to put after a provider prefix such as `/openai`) built from dot segments in their
 * many spellings, separators and a target: `/%2e%2e/%2E%2e%2fadmin`, `/v1/..\\..\\x`, ...
 * Some carry no dot segment at all, so a test also sees that ordinary paths get through.
 */
export function traversalPath(random: Random): string {
  const lead = pick(random, ['', '/v1', '/v1/chat', '/openai/deployments/d']);
  if (random() < 0.3) return `${lead}/${pick(random, TARGETS)}`;
  let path = lead;
  const segments = int(random, 0, 4);
  for (let i = 0; i < segments; i++) path += pick(random, SEPARATORS) + pick(random, DOTS);
  path += pick(random, SEPARATORS) + pick(random, TARGETS);
  return path.startsWith('/') ? path : `/${path}`;
}

// ---------------------------------------------------------------------------------------------
// Provider errors that quote a key.

/**
 * A canary key in the shapes real keys come in, and some they do not (so only an exact-value
 * match can find it): OpenAI and Anthropic keys, base64-like keys with `/`, `+` and `=`
 * (which JSON may write as `\/`), hex keys, and plain words.
 */
export function canaryKey(random: Random): string {
  switch (int(random, 0, 5)) {
    case 0: return `sk-proj-${chars(random, ALNUM + '_-', int(random, 20, 60))}`;
    case 1: return `sk-ant-api03-${chars(random, ALNUM + '_-', int(random, 20, 80))}`;
    case 2: return `${chars(random, ALNUM + '+/', int(random, 16, 40))}==`;
    case 3: return chars(random, '0123456789abcdef', 32);
    case 4: return `canary-${chars(random, ALNUM, int(random, 8, 24))}`;
    default: return `${chars(random, ALNUM, 6)}/${chars(random, ALNUM, 6)}\\${chars(random, ALNUM, 6)}"q`;
  }
}

/**
 * One way a JSON string literal can spell `text`: plainly, with `\/`, with some characters as
 * `\uXXXX`, with some letters behind a backslash that escapes nothing in JSON (`s\k-…`), which a
 * lenient reader takes as the letter, or (up to two levels) as JSON in the string, itself spelled
 * one of these ways, as tool calls' arguments are.
 */
function jsonSpelling(random: Random, text: string, nesting = 0): string {
  const plain = JSON.stringify(text).slice(1, -1);
  const way = int(random, 0, nesting < 2 ? 4 : 3);
  if (way === 4) return jsonSpelling(random, `{"detail":"${jsonSpelling(random, text, nesting + 1)}"}`, nesting + 1);
  switch (way) {
    case 0: return plain;
    case 1: return plain.replace(/\//g, '\\/');
    case 2: return [...text].map((ch) => (/[ac-eg-mo-qsv-zA-Z]/.test(ch) && random() < 0.3 ? `\\${ch}` : JSON.stringify(ch).slice(1, -1))).join('');
    default: {
      let out = '';
      for (const ch of text) {
        if (ch === '"' || ch === '\\' || random() < 0.3) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
        else out += ch;
      }
      return out;
    }
  }
}

/**
 * Every string and object key in a parsed JSON value, and in the JSON a string holds (a tool
 * call's arguments), three levels deep: what a client that parses nested JSON reads.
 */
export function nestedJsonStrings(value: unknown, nesting = 0): string[] {
  if (typeof value === 'string') {
    if (nesting === 3) return [value];
    try {
      return [value, ...nestedJsonStrings(JSON.parse(value), nesting + 1)];
    } catch {
      return [value];
    }
  }
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...nestedJsonStrings(v, nesting)]);
  return [];
}

/** Text around the key, as error messages word it. */
function message(random: Random, key: string, spell: (s: string) => string): string {
  const before = pick(random, ['Incorrect API key provided: ', 'invalid x-api-key ', 'key=', '', 'The key "', '(', 'Bearer ']);
  const after = pick(random, ['.', '', '" was revoked', ')', ' is not valid. You can find your API key at https://platform.openai.com.', `, and again: ${key}`]);
  return spell(`${before}${key}${after}`);
}

/** A provider error body (OpenAI's shape, Anthropic's, or plain text) with the key somewhere a client would read it. */
export function errorBodyQuoting(random: Random, key: string): string {
  const spell = (s: string) => jsonSpelling(random, s);
  const text = message(random, key, spell);
  switch (int(random, 0, 5)) {
    case 0: return `{"error":{"message":"${text}","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`;
    case 1: return `{"type":"error","error":{"type":"authentication_error","message":"${text}"},"request_id":"req_011"}`;
    case 2: return `{"error":{"message":"bad request","type":"invalid_request_error","param":"${text}","code":null}}`;
    case 3: return `{"errors":[{"detail":"${text}"},{"detail":"${text}"}]}`;
    case 4: return `{\n  "error": {\n    "message": "${text}"\n  }\n}\n`;
    default: return `<html><body>401 Unauthorized: ${key}</body></html>`;
  }
}

/** Response headers that echo the key, among ordinary ones. */
export function headersQuoting(random: Random, key: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json', 'x-request-id': `req_${chars(random, ALNUM, 12)}` };
  switch (int(random, 0, 3)) {
    case 0: headers['x-debug-api-key'] = key; break;
    case 1: headers['www-authenticate'] = `Bearer realm="api", error="invalid_token", key="${key}"`; break;
    case 2: headers['set-cookie'] = ['a=b', `k=${key}; Path=/`]; break;
    default: headers.location = `https://example.com/retry?key=${key}`;
  }
  return headers;
}

/**
 * A stream that starts well and ends in an error event quoting the key: Anthropic's `event:
 * error`, OpenAI's `data: {"error": ...}`, the Responses API's `response.failed`, or a
 * plain-text error; sometimes with the error's data spread over several `data:` lines, cut
 * through the key.
 */
export function streamQuoting(random: Random, key: string): string {
  const spell = (s: string) => jsonSpelling(random, s);
  const text = message(random, key, spell);
  const start = pick(random, [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","model":"claude-haiku-4-5","usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n',
    'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","error":null}}\n\n',
  ]);
  let data: string;
  let event = '';
  switch (int(random, 0, 3)) {
    case 0: event = 'error'; data = `{"type":"error","error":{"type":"overloaded_error","message":"${text}"},"request_id":"req_1"}`; break;
    case 1: data = `{"error":{"message":"${text}","type":"server_error","param":null,"code":null}}`; break;
    case 2: event = 'response.failed'; data = `{"type":"response.failed","response":{"id":"resp_1","status":"failed","error":{"code":"server_error","message":"${text}"}}}`; break;
    default: data = `Internal error: ${key}`;
  }
  const lines = random() < 0.3 ? splitInto(random, data, key) : [data];
  const newline = pick(random, ['\n', '\r\n', '\r']);
  const body = [...(event ? [`event: ${event}`] : []), ...lines.map((l) => `data: ${l}`)].join(newline) + newline + newline;
  return start + body + (random() < 0.5 ? 'data: [DONE]\n\n' : '');
}

/** `data` cut into lines, one cut inside the key when the key is there as written. */
function splitInto(random: Random, data: string, key: string): string[] {
  const at = data.indexOf(key);
  const cut = at >= 0 ? at + int(random, 1, key.length - 1) : int(random, 1, data.length - 1);
  return [data.slice(0, cut), data.slice(cut)];
}

/** The bytes of `text` cut into chunks at random places (some inside multi-byte characters and keys). */
export function chunked(random: Random, text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = random() < 0.2 ? bytes.length - at : int(random, 1, 24);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** `text` cut into pieces of 1 to 8 characters, as a model streams its tokens (never inside a surrogate pair). */
function tokenPieces(random: Random, text: string): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let at = 0; at < chars.length; ) {
    const size = int(random, 1, 8);
    out.push(chars.slice(at, at + size).join(''));
    at += size;
  }
  return out;
}

/** A piece as a JSON string literal: plainly, or with some characters as `\uXXXX`, as some encoders write them. */
function pieceLiteral(random: Random, piece: string): string {
  if (random() < 0.7) return JSON.stringify(piece);
  let out = '"';
  for (const ch of piece) out += ch === '"' || ch === '\\' || random() < 0.4 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch;
  return `${out}"`;
}

/**
 * A streamed answer that quotes the key token by token, so that no one event holds it and only a
 * reader that joins the pieces sees it: OpenAI chat text (sometimes beside a second choice, its
 * pieces interleaved), OpenAI tool-call arguments, Anthropic text and `input_json_delta`, the
 * Responses API's `output_text.delta`. `text` is the whole text the key is quoted in (for the
 * arguments, the JSON text they join into); `endpoint` names the format.
 */
export function streamedPiecesQuoting(random: Random, key: string): { endpoint: 'chat.completions' | 'messages' | 'responses'; body: string; text: string } {
  const lead = pick(random, ['Your key is ', 'I found OPENAI_API_KEY=', 'The config says: ', '', 'Use `']);
  const tail = pick(random, [' in the .env file.', '` to call the API.', '.', ' (do not share it)', '']);
  const format = int(random, 0, 4);
  const text = format === 1 || format === 3 ? JSON.stringify({ path: '.env', api_key: key, note: `${lead}${key}` }) : `${lead}${key}${tail}`;
  const pieces = tokenPieces(random, text).map((p) => pieceLiteral(random, p));
  const eol = pick(random, ['\n', '\r\n', '\r']);
  const event = (data: string, name?: string) => `${name ? `event: ${name}${eol}` : ''}data: ${data}${eol}${eol}`;
  const chunk = (choice: string) => `{"id":"chatcmpl-9x","object":"chat.completion.chunk","created":1764979200,"model":"gpt-4o-mini","choices":[${choice}]}`;
  let body = '';
  let endpoint: 'chat.completions' | 'messages' | 'responses' = 'chat.completions';
  switch (format) {
    case 0: {
      const other = tokenPieces(random, 'A second answer, streamed beside the first one.');
      const two = random() < 0.4;
      body += event(chunk(`{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}`));
      pieces.forEach((p, i) => {
        body += event(chunk(`{"index":0,"delta":{"content":${p}},"finish_reason":null}`));
        if (two && other[i] !== undefined) body += event(chunk(`{"index":1,"delta":{"content":${JSON.stringify(other[i])}},"finish_reason":null}`));
      });
      body += event(chunk('{"index":0,"delta":{},"finish_reason":"stop"}')) + event('[DONE]');
      break;
    }
    case 1:
      body += event(chunk('{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"save","arguments":""}}]},"finish_reason":null}'));
      for (const p of pieces) body += event(chunk(`{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":${p}}}]},"finish_reason":null}`));
      body += event(chunk('{"index":0,"delta":{},"finish_reason":"tool_calls"}')) + event('[DONE]');
      break;
    case 2:
    case 3: {
      endpoint = 'messages';
      const tool = format === 3;
      body += event('{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":12,"output_tokens":1}}}', 'message_start');
      body += event(`{"type":"content_block_start","index":0,"content_block":${tool ? '{"type":"tool_use","id":"toolu_1","name":"save","input":{}}' : '{"type":"text","text":""}'}}`, 'content_block_start');
      for (const p of pieces) body += event(`{"type":"content_block_delta","index":0,"delta":${tool ? `{"type":"input_json_delta","partial_json":${p}}` : `{"type":"text_delta","text":${p}}`}}`, 'content_block_delta');
      body += event('{"type":"content_block_stop","index":0}', 'content_block_stop');
      body += event(`{"type":"message_delta","delta":{"stop_reason":"${tool ? 'tool_use' : 'end_turn'}"},"usage":{"output_tokens":40}}`, 'message_delta');
      body += event('{"type":"message_stop"}', 'message_stop');
      break;
    }
    default:
      endpoint = 'responses';
      body += event('{"type":"response.created","response":{"id":"resp_1","status":"in_progress","model":"gpt-4.1"}}', 'response.created');
      pieces.forEach((p, i) => {
        body += event(`{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":${p},"sequence_number":${i + 3}}`, 'response.output_text.delta');
      });
  }
  return { endpoint, body, text };
}

/** The ways crossedPiecesQuoting lays a stream out, each a case where one reader joins pieces the piece redaction keeps apart (docs/security.md). */
export const CROSSED_LAYOUTS = [
  'text-before-delta', 'choices-without-index', 'index-after-text', 'tool-calls-across-choices', 'tool-calls-without-index', 'responses-output-index', 'data-over-lines',
  'field-named-twice', 'escaped-field-name', 'delta-types',
] as const;

/**
 * A stream whose text quotes `key` in pieces laid out so that a reader (the UI's request view or
 * the OpenTelemetry exporter) joins them in a way the piece redaction's groupings do not: a
 * choice's `text` before its `delta` in each chunk, several choices without an index, the index
 * written after the text, a tool call's arguments under alternating choices or begun without an
 * index (the request view gives it the next free one) and named later, Responses deltas of
 * alternating outputs, an event's data over two lines, a field named twice (JSON.parse keeps the
 * last), a field name spelled with escapes, Anthropic deltas of two kinds in one block. Prose pieces go between, in the other choice, output
 * or the first copy of the field. `escapes`: some pieces' characters written as `\uXXXX`.
 */
export function crossedPiecesQuoting(random: Random, key: string, escapes = true): { layout: (typeof CROSSED_LAYOUTS)[number]; endpoint: 'chat.completions' | 'messages' | 'responses'; body: string } {
  const layout = pick(random, CROSSED_LAYOUTS);
  const lead = pick(random, ['Your key is ', 'KEY=', '', 'token: ']);
  const pieces = tokenPieces(random, `${lead}${key}.`);
  const literal = (piece: string) => (escapes ? pieceLiteral(random, piece) : JSON.stringify(piece));
  const prose = tokenPieces(random, 'A second answer, streamed beside the first one, with more words than the key has pieces. '.repeat(4));
  const other = (i: number) => JSON.stringify(prose[i % prose.length]!);
  const eol = pick(random, ['\n', '\n', '\r\n']);
  const event = (data: string) => `data: ${data}${eol}${eol}`;
  const chunk = (choices: string) => event(`{"id":"chatcmpl-9x","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[${choices}]}`);
  let body = '';
  let endpoint: 'chat.completions' | 'messages' | 'responses' = 'chat.completions';
  switch (layout) {
    case 'delta-types':
      // The exporter joins a text block's `text_delta`s; the request view every delta's `text`.
      endpoint = 'messages';
      body += event('{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}');
      pieces.forEach((p, i) => {
        body += event(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${literal(p)}}}`);
        body += event(`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","text":${other(i)}}}`);
      });
      break;
    case 'text-before-delta':
      // The exporter joins each chunk's delta.content, then its text.
      for (let i = 0; i < pieces.length; i += 2) {
        body += chunk(`{"index":0,"text":${literal(pieces[i + 1] ?? '')},"delta":{"content":${literal(pieces[i]!)}}}`);
      }
      break;
    case 'choices-without-index':
      // The request view reads each chunk's first choice; the exporter puts every choice without an index at 0, and joins the prose between.
      pieces.forEach((p, i) => {
        body += chunk(`{"delta":{"content":${literal(p)}}},{"delta":{"content":${other(i)}}}`);
      });
      break;
    case 'index-after-text':
      pieces.forEach((p, i) => {
        body += chunk(`{"delta":{"content":${literal(p)}},"index":1}`) + chunk(`{"delta":{"content":${other(i)}},"index":0}`);
      });
      break;
    case 'tool-calls-across-choices':
      // The request view reads each chunk's first choice, whatever its index, and joins a tool call's arguments by the call's index.
      pieces.forEach((p, i) => {
        const args = (text: string) => `"tool_calls":[{"index":0,"function":{"arguments":${text}}}]`;
        body += chunk(`{"index":${i % 2},"delta":{${args(literal(p))}}},{"index":${(i + 1) % 2},"delta":{${args(other(i))}}}`);
      });
      break;
    case 'tool-calls-without-index': {
      // The request view gives a call without an index the next free one; later deltas name it.
      const args = (index: string, text: string) => chunk(`{"index":0,"delta":{"tool_calls":[{${index}"function":{"arguments":${text}}}]}}`);
      body += args('', other(0)) + args('', literal(pieces[0]!)) + args('', other(1));
      for (const p of pieces.slice(1)) body += args('"index":1,', literal(p));
      break;
    }
    case 'responses-output-index':
      // The request view joins every output_text.delta, whatever its output; other deltas go between.
      endpoint = 'responses';
      pieces.forEach((p, i) => {
        body += event(`{"type":"response.output_text.delta","output_index":${i % 2},"content_index":0,"delta":${literal(p)}}`);
        body += event(`{"type":"response.function_call_arguments.delta","output_index":2,"delta":${other(i)}}`);
      });
      break;
    case 'data-over-lines':
      // The request view joins an event's data lines; the prose goes in a second choice without an index.
      pieces.forEach((p, i) => {
        body += `data: {"choices":[{"index":${i % 2},${eol}data: "delta":{"content":${literal(p)}}}]}${eol}${eol}`;
        body += chunk(`{"delta":{}},{"delta":{"content":${other(i)}}}`);
      });
      break;
    case 'field-named-twice':
      pieces.forEach((p, i) => {
        body += chunk(`{"index":0,"delta":{"content":${other(i)},"content":${literal(p)}}}`);
      });
      break;
    default:
      pieces.forEach((p, i) => {
        body += chunk(`{"index":0,"delta":{"\\u0063ontent":${literal(p)},"refusal":${other(i)}}}`);
      });
  }
  return { layout, endpoint, body: `${body}data: [DONE]${eol}${eol}` };
}
