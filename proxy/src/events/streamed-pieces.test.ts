import { describe, expect, it } from 'vitest';
import { attackCases, canaryKey, crossedPiecesQuoting, nestedJsonStrings, streamedPiecesQuoting } from '@periscope/testkit';
import { responseContent } from '../otel/gen-ai-content.ts';
import { SseFramer } from '../relay/sse.ts';
import { seededRandom } from '../seeded-random.ts';
import { REDACTED, redactSecrets, redactStoredBody } from './redact.ts';
import { findPieces, piecesMaySpell, readersShape, readerUnits, redactStreamedPieces } from './streamed-pieces.ts';

/** The stream's events' data, parsed, as the exporter's SSE reader frames them. */
function events(body: string): Record<string, unknown>[] {
  const framer = new SseFramer();
  const frames = framer.push(body);
  const tail = framer.flush();
  if (tail) frames.push(tail);
  return frames.flatMap((f) => {
    try {
      const value: unknown = JSON.parse(f.data);
      return value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** The Responses API's output text, joined from its deltas per output and content index, as the UI's request view joins it. */
function responsesText(body: string): string[] {
  const texts = new Map<string, string>();
  for (const e of events(body)) {
    if (e.type !== 'response.output_text.delta' || typeof e.delta !== 'string') continue;
    const at = `${String(e.output_index)}/${String(e.content_index)}`;
    texts.set(at, (texts.get(at) ?? '') + e.delta);
  }
  return [...texts.values()];
}

/** Every text a reader of the stored stream joins from its pieces: the exporter's messages (tool arguments parsed), or the Responses deltas. */
function joinedReadings(endpoint: string, body: string): string[] {
  if (endpoint === 'responses') return responsesText(body);
  const messages = responseContent(endpoint, body, true) ?? [];
  return nestedJsonStrings(messages);
}

describe('a key a stream sends in pieces', () => {
  it('is gone from every joined text, and the rest of the text is left as it was: generated streams, fixed seed', () => {
    const random = seededRandom(0x5eed20);
    for (let i = 0, n = attackCases(2000); i < n; i++) {
      const key = canaryKey(random);
      const { endpoint, body, text } = streamedPiecesQuoting(random, key);
      const stored = redactStoredBody(body, [key]);
      const readings = joinedReadings(endpoint, stored);
      for (const reading of readings) expect(reading, `case ${i}: ${JSON.stringify(body)}`).not.toContain(key);
      // Text (not tool arguments): joined, the stored stream reads exactly as the answer with the key replaced.
      if (!text.startsWith('{')) expect(readings, `case ${i}`).toContain(text.split(key).join(REDACTED));
      expect(events(stored).length, 'events kept').toBe(events(body).length);
    }
  });

  it('is found with no secret named when it is key-shaped: generated, fixed seed', () => {
    const random = seededRandom(0x5eed21);
    for (let i = 0, n = attackCases(1000); i < n; i++) {
      let key = canaryKey(random);
      while (!key.startsWith('sk-')) key = canaryKey(random);
      const { endpoint, body } = streamedPiecesQuoting(random, key);
      for (const reading of joinedReadings(endpoint, redactStoredBody(body))) expect(reading, `case ${i}: ${JSON.stringify(body)}`).not.toContain(key);
    }
  });

  it('leaves a stream whose joined text holds no key exactly as it was, pieces of two choices included', () => {
    const random = seededRandom(0x5eed22);
    for (let i = 0; i < 300; i++) {
      const { body } = streamedPiecesQuoting(random, 'just-an-ordinary-word');
      expect(redactStoredBody(body)).toBe(body);
    }
  });

  it('groups a field as each reader does: a tool call however its chunk is shared, every choice as the request view, content with text as the exporter, repeated pieces too (review helper-49)', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const cases = [
      // Tool call 1 first shares a chunk with call 0, then comes alone.
      'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c0","function":{"name":"f","arguments":"{\\"x\\":1}"}},{"index":1,"id":"c1","function":{"name":"f","arguments":"{\\"k\\":\\"sk-proj-abcdefgh"}}]}}]}\n\ndata: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c1","function":{"name":"f","arguments":"ijklmnopqrstuvwx\\"}"}}]}}]}\n\n',
      // The request view joins the first choice of every chunk, whatever its index.
      'data: {"choices":[{"index":0,"delta":{"content":"sk-proj-abcdefgh"}}]}\n\ndata: {"choices":[{"index":1,"delta":{"content":"ijklmnopqrstuvwx"}}]}\n\n',
      // Choices 0 and 1 in one chunk, then choice 1 alone.
      'data: {"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"sk-proj-abcdefgh"}}]}\n\ndata: {"choices":[{"index":1,"delta":{"content":"ijklmnopqrstuvwx"}}]}\n\n',
      // The exporter joins a choice's delta.content and text.
      'data: {"choices":[{"index":0,"delta":{"content":"sk-proj-abcdefgh"}}]}\n\ndata: {"choices":[{"index":0,"text":"ijklmnopqrstuvwx"}]}\n\n',
    ];
    for (const body of cases) {
      const stored = redactStoredBody(body);
      const readings = [...joinedReadings('chat.completions', stored), ...events(stored).map((e) => JSON.stringify(e))];
      const joined = events(stored).flatMap((e) => ((e.choices ?? []) as { delta?: { content?: string }; text?: string }[]).map((c) => (c.delta?.content ?? '') + (c.text ?? ''))).join('');
      for (const r of [...readings, joined]) expect(r, body).not.toContain(key);
    }
    // The same piece repeated joins into a key-shaped string, or into the call's own secret.
    const repeated = 'data: {"choices":[{"index":0,"delta":{"content":"sk-abcd"}}]}\n\n'.repeat(5);
    expect(joinedReadings('chat.completions', redactStoredBody(repeated)).join('')).not.toMatch(/sk-abcdsk-/);
    const exact = 'data: {"choices":[{"index":0,"delta":{"content":"abcd"}}]}\n\n'.repeat(4);
    expect(joinedReadings('chat.completions', redactStoredBody(exact, ['abcdabcdabcdabcd'])).join('')).not.toContain('abcdabcdabcdabcd');
  });

  it('joins a field however the grouping by index splits it, and writes back nothing another grouping reads as a key (review helper-50)', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const chat = (index: number | undefined, piece: string) => `data: {"choices":[{${index === undefined ? '' : `"index":${index},`}"delta":{"content":${JSON.stringify(piece)}}}]}\n\n`;
    // The exporter takes a missing index, or one of 128 or more, as 0.
    for (const body of [chat(undefined, 'sk-proj-abcdefgh') + chat(0, 'ijklmnopqrstuvwx') + chat(0, ' done'), chat(0, 'sk-proj-abcdefgh') + chat(128, 'ijklmnopqrstuvwx') + chat(0, ' done')]) {
      for (const reading of joinedReadings('chat.completions', redactStoredBody(body))) expect(reading, body).not.toContain(key);
    }
    // Moving a redacted stretch into one piece must not join the other choice's pieces into a key.
    const pieces: [number, string][] = [[1, 'sk-proj-a'], [0, ' sk-proj-zzzzzzzzzz'], [1, 'zzzzzzzzz!'], [0, ' sk-proj-yyyyyyyyyy'], [1, 'yyyyyyyyy'], [0, ' '], [1, 'bcdefghijklmnopqrstuvwx']];
    const stored = redactStoredBody(pieces.map(([i, p]) => chat(i, p)).join(''));
    for (const reading of [...joinedReadings('chat.completions', stored), stored]) expect(reading).not.toContain(key);
  });

  it('reads lines of thousands of nested objects and index fields, and leaves them as they were (review helper-50: seconds and a GB when every field was kept)', () => {
    const deep = `data: ${'{"index":1,"x":'.repeat(4000)}${'"content":"a",'.repeat(500)}\ndata: {"content":"b"}\n`;
    const flat = `data: {${Array.from({ length: 5000 }, (_, i) => `"k${i}index":1,"index":${i},"content":"a"`).join(',')}}\ndata: {"content":"b"}\n`;
    for (const body of [deep, flat, JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: deep }] })]) expect(redactStoredBody(body)).toBe(body);
  });

  it('keeps two choices streamed at once apart: a key in one is found although their pieces interleave', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const chunk = (index: number, piece: string) => `data: {"choices":[{"index":${index},"delta":{"content":${JSON.stringify(piece)}}}]}\n\n`;
    const pieces = ['my key is ', ...(key.match(/.{1,10}/g) ?? []), ' ok'];
    const body = pieces.map((p, i) => chunk(0, p) + chunk(1, `other ${i} `)).join('') + 'data: [DONE]\n\n';
    const stored = redactStoredBody(body);
    const texts = (responseContent('chat.completions', stored, true) ?? []).flatMap((m) => m.parts.map((p) => p.content));
    expect(texts).toEqual([`my key is ${REDACTED} ok`, pieces.map((_, i) => `other ${i} `).join('')]);
  });
});

describe('readerUnits', () => {
  const words = ['The', ' task', '-based', ' approach', ',', ' see', ' src/components/Button.tsx', '.', '\n\n', 'It', ' works', '.'];
  const chunk = (content: string, i: number, extra = '') =>
    `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1796562217,"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}],"obfuscation":"${'xyz'.slice(0, 1 + (i % 3))}"${extra}}\n\n`;

  it('reads a provider\'s text events, alike but for their text and what no reader chooses by, as one text', () => {
    const body = `${words.map((w, i) => chunk(w, i)).join('')}data: [DONE]\n\n`;
    expect(readerUnits(body)).toEqual([[words.join('')]]);
    const anthropic = words.map((w) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(w)}}}\n\n`).join('');
    expect(readerUnits(`event: ping\ndata: {"type": "ping"}\n\n${anthropic}`)).toEqual([[words.join('')]]);
  });

  it('ends a run where a reader may read a line otherwise: another index or type, a literal or number JSON.parse refuses, a data line between, a tool call', () => {
    const unitsWith = (i: number, line: string) => readerUnits(words.map((w, k) => (k === i ? line : chunk(w, k))).join('')).length;
    expect(unitsWith(3, chunk(' approach', 3).replace('"index":0', '"index":1'))).toBe(3);
    expect(unitsWith(3, chunk(' approach', 3, ',"type":"x"'))).toBe(3);
    expect(unitsWith(3, chunk(' approach', 3).replace('"obfuscation":"', '"obfuscation":"\\x'))).toBe(3);
    expect(unitsWith(3, chunk(' approach', 3).replace('1796562217', '01796562217'))).toBe(3);
    expect(unitsWith(3, `data: {"other":1}\n\n${chunk(' approach', 3)}`)).toBe(2);
    expect(unitsWith(3, chunk(' approach', 3).replace('1796562217', '1796562218'))).toBe(1);
    // Alike up to the field's key, another key (a head of the same shape is not enough).
    expect(readerUnits('data: {"n":1,"delta":"a"}\n\ndata: {"n":2,"content":"b"}\n\ndata: {"n":3,"content":"c"}\n\n')).toEqual([['a'], ['bc']]);
    const calls = [0, 1, 2].map((i) => `data: {"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"a${i}"}}]}}]}\n\n`).join('');
    expect(readerUnits(calls)).toEqual([['a0'], ['a1'], ['a2']]);
  });
});

describe('findPieces', () => {
  /**
   * Streams whose data lines are alike but for what no reader chooses by (a sequence number, an
   * id, an `obfuscation`), with index fields that change now and then, written with white space,
   * as numbers JSON.parse refuses or as strings, nested, and mutated with stray tokens.
   */
  function alikeLines(random: () => number): string {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const ws = () => pick(['', '', ' ', '\t', '\f', '\u00a0']);
    const indexValue = () => pick(['0', '0', '1', '2', '10', '1.5', '-1', '"2"', '01', '1e2']);
    const indexField = () => `"${pick(['index', 'output_index', 'content_index', 'summary_index'])}"${ws()}:${ws()}${indexValue()}`;
    const stray = ['{', '}', '[', ']', '"', ',', ':', '\\', '"index":3', '"x"', '1'];
    const parts = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(['seq', 'id', 'type', 'index', 'open', 'array', 'obj']));
    const field = pick(['delta', 'content', 'text', 'arguments', 'partial_json']);
    const lines: string[] = [];
    const indexes = parts.map(() => indexField());
    for (let n = 0; n < 3 + Math.floor(random() * 12); n++) {
      if (random() < 0.25) indexes[Math.floor(random() * indexes.length)] = indexField();
      const head = parts.map((part, i) => {
        switch (part) {
          case 'seq': return `"sequence_number":${n}`;
          case 'id': return `"item_id":"msg_${Math.floor(random() * 100)}"`;
          case 'type': return `"type":"${pick(['response.output_text.delta', 'text_delta'])}"`;
          case 'index': return indexes[i]!;
          case 'open': return `"choices":[{${indexes[i]!}`;
          case 'array': return `"a":[{${indexes[i]!}}]`;
          default: return `"o":{${indexes[i]!},"p":{}}`;
        }
      }).join(',');
      let line = `data: {${head},${ws()}"${field}"${ws()}:${ws()}"w${n}",${ws()}"obfuscation":"${'abcdef'.slice(0, n % 6)}"}`;
      if (random() < 0.15) {
        const at = Math.floor(random() * line.length);
        line = line.slice(0, at) + pick(stray) + line.slice(at);
      }
      lines.push(random() < 0.1 ? `event: x\n${line}` : line);
    }
    return `${lines.join('\n\n')}\n\n`;
  }

  it('gives a line alike to the one before it (by readersShape) that line\'s index fields, as a walk of its own finds them: generated streams (seed 15)', () => {
    const random = seededRandom(15);
    let reused = 0;
    for (let n = 0; n < attackCases(3000); n++) {
      const body = alikeLines(random);
      const pieces = findPieces(body);
      let last = '';
      for (const piece of pieces) {
        // The pieces of its line, found from that line on: nothing read before it to reuse.
        const own = findPieces(body.slice(piece.line)).find((p) => p.start === piece.start - piece.line);
        expect(own?.context, JSON.stringify({ body, at: piece.start })).toBe(piece.context);
        if (piece.head && piece.head.shape === last) reused++;
        if (piece.head) last = piece.head.shape;
      }
    }
    expect(reused).toBeGreaterThan(500);
  });

  it('shapes the text before a line\'s first field only up to a bound on the values it leaves out, and walks the rest (review helper-61)', () => {
    const line = (values: number) => `data: {${Array.from({ length: values }, (_, i) => `"v${i}":${i}`).join(',')},"content":"x"}\n\n`;
    expect(findPieces(line(16))[0]!.head?.shape).toBe(readersShape(line(16).slice(0, line(16).indexOf('"content"'))));
    expect(findPieces(line(17))[0]!.head).toBeUndefined();
    expect(readersShape('{"a":1,"b":"x"}', 1)).toBeUndefined();
    expect(readersShape('{"a":1,"b":"x"}', 2)).toBe('{"a":0,"b":""}');
  });

  it('gives a line\'s first field the line up to it, shaped in two parts that make readersShape\'s shape of the whole: generated streams (seed 15)', () => {
    const random = seededRandom(15);
    let heads = 0;
    for (let n = 0; n < attackCases(3000); n++) {
      const body = alikeLines(random);
      for (const piece of findPieces(body)) {
        if (!piece.head) continue;
        heads++;
        expect(piece.head.shape + piece.head.key, JSON.stringify({ body, at: piece.start })).toBe(readersShape(body.slice(piece.line, piece.start)));
      }
    }
    expect(heads).toBeGreaterThan(5000);
  });
});

describe('piecesMaySpell', () => {
  it('is shut only where the groupings would change nothing: generated streams quoting keys, crossed layouts and prose (seed 15)', () => {
    const random = seededRandom(15);
    let shut = 0;
    for (let n = 0; n < attackCases(1500); n++) {
      const key = canaryKey(random);
      const secrets = random() < 0.5 ? [key] : [];
      const kind = n % 3;
      const body = kind === 0 ? streamedPiecesQuoting(random, key).body : kind === 1 ? crossedPiecesQuoting(random, key, random() < 0.3).body
        : `${['Hello', ' there', ', a', ' task-based', ' idea', ' with', ' src/components/Button.tsx', '.'].map((p) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(p)}}}]}\n\n`).join('')}data: [DONE]\n\n`;
      // The groupings with the plain scrub of a joined text (what the gate is about); the full one reads escapes too, which open the gate.
      const grouped = redactStreamedPieces(body, (joined) => redactSecrets(joined, secrets));
      if (!piecesMaySpell(body, secrets)) {
        shut++;
        expect(grouped, `case ${n}: ${body}`).toBe(body);
      }
    }
    expect(shut).toBeGreaterThan(300);
  });

  it('keeps the groupings where their index fields tell lines apart, and asks again when a call\'s secrets grew (helper-60)', () => {
    const lines = (key: string, index: string) => [`${index}0`, `${index}1`, `${index}0`].map((at, i) => `data: {"type":"response.output_text.delta",${at.replace(/(\d)$/, ':$1')},"delta":${JSON.stringify(['sk-', '!', 'abcdefghijklmnopqrstuv'][i])}}\n`).join('');
    for (const index of ['"output_index"', '"content_index"', '"index"\f']) {
      const body = lines('', index);
      expect(redactStoredBody(body), body).not.toContain('abcdefghijklmnopqrstuv');
    }
    const exact = 'data: {"content_index":0,"delta":"hunter2-"}\ndata: {"content_index":1,"delta":" "}\ndata: {"content_index":0,"delta":"secretXY"}\n';
    expect(redactStoredBody(exact, ['hunter2-secretXY'])).not.toContain('secretXY');
    const key = '0123456789abcdef0123456789abcdef';
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: ['Log: ', key.slice(0, 16), key.slice(16), ' end'].map((p) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(p)}}}]}\n`).join('') }] });
    const secrets = ['client-key-1234567'];
    redactStoredBody(body, secrets, true);
    secrets.push(key);
    expect(redactStoredBody(body, secrets, true)).not.toContain(key.slice(16));
  });
});

/**
 * readersShape's meaning, written another way: two lines' texts walked together, token by token,
 * alike when they differ only in string values but a `type`'s and numbers but an index field's.
 */
const QUOTE = 0x22;
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NUMBER_CHAR = /[\d.eE+-]/;
const INDEX_NAMES = ['"index"', '"output_index"', '"content_index"', '"summary_index"'];
const keyIs = (text: string, at: number, end: number, name: string) => end - at === name.length && text.startsWith(name, at);
const isIndexKey = (text: string, at: number, end: number) => INDEX_NAMES.some((name) => keyIs(text, at, end, name));
const isSpace = (c: number) => /\s/.test(String.fromCharCode(c));
/** Where the JSON string literal opening at `at` ends; -1 when JSON.parse refuses it (it is the judge here). */
function validLiteralEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') {
      try {
        JSON.parse(text.slice(at, i + 1));
        return i + 1;
      } catch {
        return -1;
      }
    }
  }
  return -1;
}

function alikeToReaders(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  /** Where the last key's literal is in `a` (the same in `b`: keys are compared as written). */
  let keyAt = -1;
  let keyEnd = -1;
  while (i < a.length && j < b.length) {
    const c = a.charCodeAt(i);
    const d = b.charCodeAt(j);
    if (c === QUOTE || d === QUOTE) {
      if (c !== d) return false;
      const endA = validLiteralEnd(a, i);
      const endB = validLiteralEnd(b, j);
      if (endA === -1 || endB === -1) return false;
      const isKey = keyFollows(a, endA);
      if (isKey !== keyFollows(b, endB)) return false;
      if ((isKey || keyIs(a, keyAt, keyEnd, '"type"')) && !sameSpan(a, i, endA, b, j, endB)) return false;
      if (isKey) {
        keyAt = i;
        keyEnd = endA;
      }
      i = endA;
      j = endB;
    } else if (startsNumber(c) || startsNumber(d)) {
      const endA = numberEnd(a, i);
      const endB = numberEnd(b, j);
      if (endA === -1 || endB === -1) return false;
      if (isIndexKey(a, keyAt, keyEnd) && !sameSpan(a, i, endA, b, j, endB)) return false;
      i = endA;
      j = endB;
    } else {
      if (c !== d) return false;
      i++;
      j++;
    }
  }
  return i === a.length && j === b.length;
}

const startsNumber = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2d;

/** Whether `a` from `i` to `endA` and `b` from `j` to `endB` hold the same characters. */
function sameSpan(a: string, i: number, endA: number, b: string, j: number, endB: number): boolean {
  if (endA - i !== endB - j) return false;
  for (let k = 0; k < endA - i; k++) if (a.charCodeAt(i + k) !== b.charCodeAt(j + k)) return false;
  return true;
}



/** Whether a `:` follows `at` (after white space, as INDEX_VALUE reads it): the literal before `at` is a key. */
function keyFollows(text: string, at: number): boolean {
  let after = at;
  while (isSpace(text.charCodeAt(after))) after++;
  return text.charCodeAt(after) === 0x3a;
}

/** Where the JSON number at `at` ends; -1 when there is none JSON.parse takes (`01`, `1e`, a lone `-`). */
function numberEnd(text: string, at: number): number {
  JSON_NUMBER.lastIndex = at;
  if (!JSON_NUMBER.test(text) || NUMBER_CHAR.test(text[JSON_NUMBER.lastIndex] ?? '')) return -1;
  return JSON_NUMBER.lastIndex;
}

describe('readersShape', () => {
  it('makes two lines equal exactly when a token-by-token walk finds them alike: generated lines around a text field and their mutations (seed 15)', () => {
    const random = seededRandom(15);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const tokens = ['"type"', '"index"', '"output_index"', '\f', '\u00a0', '"x"', '"response.output_text.delta"', '"text_delta"', '0', '1', '12', '-3', '1.5e3', '01', '1e', '-', '1.', '1.e5', '1e+', '-0.5E-2', '3.0', '"a\\u00e9b"', '"a\\qb"', '"a\\"b"', '""', ':', ',', '{', '}', '[', ']', ' ', '\t', 'null', 'true', '"', '\\', '"\u0001"'];
    const line = () => {
      if (random() < 0.5) {
        const seq = Math.floor(random() * 1000);
        return pick([
          `data: {"type":"response.output_text.delta","sequence_number":${seq},"item_id":"msg_${seq % 3}","output_index":${seq % 2},"content_index":0,"delta":`,
          `data: {"choices":[{"index":${seq % 3},"delta":{"content":`,
          `},"finish_reason":null}],"obfuscation":"${'abcdef'.slice(0, seq % 6)}"}`,
          `data: {"type":"content_block_delta","index":${seq % 2},"delta":{"type":"${pick(['text_delta', 'thinking_delta'])}","text":`,
        ]);
      }
      return Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(tokens)).join('');
    };
    const mutate = (text: string) => {
      let out = text;
      for (let n = Math.floor(random() * 3); n > 0; n--) {
        const at = Math.floor(random() * (out.length + 1));
        out = random() < 0.5 ? out.slice(0, at) + pick(tokens) + out.slice(at) : out.slice(0, at) + pick(['7', 'z', '"', '9']) + out.slice(at + 1);
      }
      return out;
    };
    let alike = 0;
    for (let n = 0; n < attackCases(20000); n++) {
      const a = line();
      const b = random() < 0.5 ? mutate(a) : line();
      const expected = alikeToReaders(a, b);
      if (expected) alike++;
      const shape = readersShape(a);
      expect(shape !== undefined && shape === readersShape(b), JSON.stringify({ a, b })).toBe(expected);
    }
    expect(alike).toBeGreaterThan(1000);
  });
});
