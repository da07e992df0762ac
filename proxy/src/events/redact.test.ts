import { describe, expect, it } from 'vitest';
import { attackCases, canaryKey, errorBodyQuoting, streamQuoting } from '@periscope/testkit';
import { seededRandom } from '../seeded-random.ts';
import { holdsInvalidEscape, holdsSecret, MAX_NESTING, redactSecrets, redactStoredBody, spellsSecret } from './redact.ts';

describe('redactSecrets', () => {
  it('scrubs key-shaped strings of common providers', () => {
    const text = [
      'openai sk-proj-abcdefghijklmnopqrstuvwx', 'anthropic sk-ant-api03-abcdefghijklmnopqrstuv', 'google AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'aws AKIAIOSFODNN7EXAMPLE', 'header Authorization: Bearer abc.def.ghijklmnopqrs', 'gateway psk_abcdefghijklmnopqrstuvwxyz',
    ].join('\n');
    const out = redactSecrets(text);
    expect(out).not.toMatch(/sk-proj-a|sk-ant-a|AIzaSy|AKIAIOS|abc\.def|psk_abc/);
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(6);
  });

  it('scrubs the exact credentials of the call whatever their shape', () => {
    expect(redactSecrets('echo: my-weird-key-123 here', ['my-weird-key-123'])).toBe('echo: [REDACTED] here');
  });

  it('finds the key shapes exactly where a boundary, or a JSON escape, comes before them: generated, fixed seed, against patterns that assert it first', () => {
    // The patterns as first written, slow on long text (the assertion tried at every character): the specification.
    const reference = [
      String.raw`sk-[A-Za-z0-9_-]{16,}`, String.raw`psk_[A-Za-z0-9_-]{16,}`, String.raw`AIza[0-9A-Za-z_-]{30,}`,
      String.raw`(AKIA|ASIA)[0-9A-Z]{16}\b`, String.raw`gsk_[A-Za-z0-9]{20,}`,
    ].map((body) => new RegExp(String.raw`(?:\b|(?<=\\[bfnrt]|\\u[0-9a-fA-F]{4}))` + body, 'g'));
    reference.push(new RegExp(String.raw`(?:\b|(?<=\\[bfnrt]|\\u[0-9a-fA-F]{4}))(Bearer|Basic)(?:\s|\\[bfnrt]|\\u[0-9a-fA-F]{4})+[A-Za-z0-9._~+/=-]{20,}`, 'gi'));
    const expected = (text: string) => reference.reduce((out, pattern) => out.replace(pattern, '[REDACTED]'), text);
    const parts = ['sk-', 'psk_', 'AIza', 'AKIA', 'ASIA', 'gsk_', 'Bearer ', 'bearer\\t', 'BASIC\\u0020', 'Basic  ', '\\n', '\\t', '\\u00e9',
      '\\uff1a', '\\\\', 'x', '-', '_', ' ', '"', 'é', 'a', 'Z', '9', '.', '/', '=', 'abcdefghij', 'ABCDEFGHIJKLMNOP', '0123456789abcdef', '\n', 'k', 's'];
    const random = seededRandom(0x5eed18);
    let redacted = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = 1 + Math.floor(random() * 40); n > 0; n--) text += parts[Math.floor(random() * parts.length)];
      const want = expected(text);
      expect(redactSecrets(text)).toBe(want);
      if (want !== text) redacted++;
    }
    expect(redacted).toBeGreaterThan(4_000);
  });

  it('finds a key after text dense in other keys\' starts', () => {
    const text = `${'a task-list, the basic flow; '.repeat(100)}then AIzaSyA1234567890abcdefghijklmnopqrstuv and sk-proj-abcdefghijklmnopqrstuvwx`;
    expect(redactSecrets(text)).toBe(`${'a task-list, the basic flow; '.repeat(100)}then [REDACTED] and [REDACTED]`);
  });

  it('leaves ordinary text alone', () => {
    const text = 'The skeleton key sk- is short; Bearer authentication is fine; tokens: 42';
    expect(redactSecrets(text)).toBe(text);
  });
});

/** A literal's content as a lenient reader takes it: escapes decoded, a bad one as its letter, one cut off at the end dropped. */
function lenient(content: string): string {
  let out = '';
  for (let i = 0; i < content.length; i++) {
    if (content[i] !== '\\') {
      out += content[i];
      continue;
    }
    const next = content[++i];
    if (next === undefined) break;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(content.slice(i + 1, i + 5))) {
      out += String.fromCharCode(Number.parseInt(content.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[next] ?? next;
  }
  return out;
}

/** An SSE text's events (a blank line ends one, however its line ends are spelled), each as its data lines. */
function sseEventsData(text: string): string[][] {
  const events: string[][] = [[]];
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (line === '') events.push([]);
    else if (line.startsWith('data:')) events.at(-1)!.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return events.filter((data) => data.length > 0);
}

/**
 * Every way a reader of a stored body could read a secret back: as written; in JSON string
 * literals, read leniently, the one a cut body ends in too (closed by the reader), with a raw CR
 * taken as a line end or as part of the literal, and the text between any two quotes of a line
 * (a reader that pairs them otherwise); and in an SSE event's data, joined with LF as the
 * standard joins it and without, as a reader that concatenates does.
 */
function readings(body: string, nesting = 0): string[] {
  // A literal's content read again: JSON in a string (tool calls' arguments), or an SSE stream quoted in one, three levels deep.
  const literals = (text: string) => [/"((?:[^"\\\n]|\\[^\n])*)/g, /"((?:[^"\\\n\r]|\\[^\n\r])*)/g, /(?<=^|[^\\](?:\\\\)*)"((?:[^"\\\n]|\\[^\n])*)(?=")/g].flatMap((pattern) =>
    [...text.matchAll(pattern)].map(([, content]) => lenient(content!))).flatMap((r) => (nesting < 3 && (r.includes('"') || r.includes('data:')) ? [r, ...readings(r, nesting + 1)] : [r]));
  const out = [body, ...literals(body)];
  for (const data of sseEventsData(body)) {
    for (const joined of [data.join(''), data.join('\n')]) out.push(joined, ...literals(joined));
  }
  return out;
}

describe('redactStoredBody', () => {
  it('leaves no secret readable in any spelling a provider can quote it: generated error bodies and streams, fixed seed', () => {
    const random = seededRandom(0x5eed15);
    for (let i = 0, n = attackCases(3000); i < n; i++) {
      const key = canaryKey(random);
      const body = random() < 0.5 ? errorBodyQuoting(random, key) : streamQuoting(random, key);
      const stored = redactStoredBody(body, [key]);
      for (const reading of readings(stored)) expect(reading, `case ${i}: ${JSON.stringify(body)}`).not.toContain(key);
    }
  });

  it('leaves no secret readable in a body cut short, whatever the cut ends in (an open literal, half an escape): generated, fixed seed', () => {
    const random = seededRandom(0x5eed17);
    let openTails = 0;
    for (let i = 0, n = attackCases(3000); i < n; i++) {
      const key = canaryKey(random);
      const body = random() < 0.5 ? errorBodyQuoting(random, key) : streamQuoting(random, key);
      const cut = body.slice(0, Math.floor(random() * (body.length + 1)));
      const stored = redactStoredBody(cut, [key]);
      if (/"(?:[^"\\\n]|\\.)*\\?$/.test(cut) && /\\/.test(cut.slice(cut.lastIndexOf('"')))) openTails++;
      for (const reading of readings(stored)) expect(reading, `case ${i}: ${JSON.stringify(cut)}`).not.toContain(key);
    }
    expect(openTails, 'cuts that end in an open literal with an escape').toBeGreaterThan(300);
  });

  it('decodes an open literal after whole escaped backslashes, and leaves one without a secret as it was', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const spelled = key.replace('s', '\\u0073');
    for (const tail of ['', ' more', '\\', '\\\\', '\\u00', '\\n\\']) {
      const stored = redactStoredBody(`{"c":"a\\\\ ${spelled}${tail}`, [key]);
      expect(readings(stored).some((r) => r.includes(key)), JSON.stringify(tail)).toBe(false);
    }
    for (const body of ['{"c":"caf\\u00e9 \\/pa', '{"c":"x\\\\', '{"c":"x\\u00']) expect(redactStoredBody(body, [key])).toBe(body);
  });

  it('reads a literal as a lenient parser does: a bad escape, a raw control character or a raw CR in it hides nothing', () => {
    const key = 'pool-configured-key-7f3a9c1e';
    const spelled = '\\u0070ool-configured-key-7f3a9c1e';
    for (const bad of ['\\x', '\t', '\\\u2028', '\r']) {
      for (const body of [`{"c":"my key is ${spelled} ${bad} more"}`, `{"c":"${bad} my key is ${spelled}"}`, `{"a":"x${bad}y","c":"${spelled}"}`]) {
        const stored = redactStoredBody(body, [key]);
        expect(readings(stored).some((r) => r.includes(key)), JSON.stringify(body)).toBe(false);
        // Cut right after the key, as a body over max_stored_body_bytes is stored.
        const cut = redactStoredBody(body.slice(0, body.indexOf(spelled) + spelled.length + 1), [key]);
        expect(readings(cut).some((r) => r.includes(key)), JSON.stringify(body)).toBe(false);
      }
    }
  });

  it('finds a key-shaped string after any JSON escape, and a bearer token whose space is one', () => {
    for (const body of [
      '{"c":"\\u5bc6\\u94a5\\uff1ask-proj-Q9w8e7r6t5y4u3i2o1p0abcd"}', // 密钥：sk-..., as Python writes it
      '{"c":"key:\\u00a0sk-proj-Q9w8e7r6t5y4u3i2o1p0abcd"}',
      '{"c":"Authorization: Bearer\\tabcdefghijklmnopqrstuvwxyz0123"}',
      '{"c":"Authorization: Bearer\\u0020abcdefghijklmnopqrstuvwxyz0123"}',
    ]) {
      const decoded = (JSON.parse(redactStoredBody(body)) as { c: string }).c;
      expect(decoded, body).toContain('[REDACTED]');
      expect(decoded, body).not.toMatch(/sk-proj|abcdefghij/);
    }
  });

  it('also finds key-shaped strings no one named, in every spelling: generated, fixed seed', () => {
    const random = seededRandom(0x5eed16);
    for (let i = 0, n = attackCases(1000); i < n; i++) {
      let key = canaryKey(random);
      while (!key.startsWith('sk-')) key = canaryKey(random);
      const body = random() < 0.5 ? errorBodyQuoting(random, key) : streamQuoting(random, key);
      const stored = redactStoredBody(body);
      for (const reading of readings(stored)) expect(reading, `case ${i}: ${JSON.stringify(body)}`).not.toContain(key);
    }
  });

  it('rewrites a literal only where its redaction changed it: a spelled quotation with no boundary is not decoded into plain text (the longer run\'s case 12081)', () => {
    const random = seededRandom(0x5eed16);
    let key = '';
    let body = '';
    // The generator of the test above, fixed seed: its case 12081.
    for (let i = 0; i <= 12081; i++) {
      key = canaryKey(random);
      while (!key.startsWith('sk-')) key = canaryKey(random);
      body = random() < 0.5 ? errorBodyQuoting(random, key) : streamQuoting(random, key);
    }
    for (const reading of readings(redactStoredBody(body))) expect(reading).not.toContain(key);
    // Escapes outside the redacted stretch stay as they were written.
    expect(redactStoredBody('{"a":"caf\\u00e9 \\/ \\u0073k-proj-abcdefghijklmnopqrstuv \\u00e9\\/"}')).toBe('{"a":"caf\\u00e9 \\/ [REDACTED] \\u00e9\\/"}');
    // The same quotation between two keys that reading redacts (review helper-51): the text between them keeps its escapes, so the event's data joined still reads the key.
    const canary = 'sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const between = 'event: error\rdata: {"type":"error","error":{"type":"x","message":"keys:\r'
      + 'data: sk\\u002dproj-KEY0KEY0KEY0KEY0KEY0 then \\u002\r'
      + 'data: 0s\\u006b-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA and sk\\u002dproj-BBBBBBBBBBBBBBBBBBBB"}}\r\r';
    const stored = redactStoredBody(between);
    for (const reading of readings(stored)) expect(reading, stored).not.toContain(canary);
    // Read again after a rewrite (review helper-52): the nested reading joins a quoted event's
    // data lines, a deletion for the outer literal, whose two sides then join into a key with an
    // escape before it (`\u0041sk-proj-…`), which the gateway's own patterns take for one.
    const joining = '{"messages":[{"role":"user","content":"stream:\\ndata: x sk-proj-AAAAAAAA\\ndata: AAAAAAAAAAAAAAAA y \\u0041sk-proj-CANARYca\\ndata: nary0123456789xyz\\n\\n"}]}';
    const joined = redactStoredBody(joining);
    expect(redactSecrets(joined), joined).toBe(joined);
    expect(joined).not.toContain('CANARYcanary');
  });

  it('finds a key-shaped string right after a JSON escape such as \\n, where no word boundary is', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    for (const escape of ['\\n', '\\t', '\\r']) {
      expect(redactStoredBody(`{"c":"my key:${escape}${key}"}`)).toBe(`{"c":"my key:${escape}[REDACTED]"}`);
    }
    expect(redactSecrets(`{"c":"\\nAKIAIOSFODNN7EXAMPLE"}`)).toBe('{"c":"\\n[REDACTED]"}');
  });

  const secret = 'pool-canary-a/7f3a9c1e5b2d4a6f';

  it('finds a secret whose only escape is \\/', () => {
    const body = `{"error":{"message":"bad key ${secret.replace('/', '\\/')}"}}`;
    expect(body).not.toContain(secret);
    expect(readings(redactStoredBody(body, [secret])).some((r) => r.includes(secret))).toBe(false);
  });

  it('counts the backslashes before an escape: one after escaped backslashes spells, one that is escaped does not', () => {
    const spelled = secret.replace('/', '\\/');
    for (const run of ['\\\\', '\\\\\\\\']) {
      const body = `{"error":{"message":"path C:${run}${spelled}"}}`;
      expect(readings(redactStoredBody(body, [secret])).some((r) => r.includes(secret)), body).toBe(false);
    }
    // `\\/` is a backslash and a slash: no secret is spelled, and the body stays as it was.
    const code = `{"content":"const re = /^\\\\/+/; // ${secret.replace('/', '\\\\/')}"}`;
    expect(redactStoredBody(code, [secret])).toBe(code);
  });

  it('reads a key spelled only with escapes JSON does not have, as a lenient reader does', () => {
    expect(redactStoredBody('{"a":"s\\k-abcdefghijklmnopqrstuv"}')).toBe('{"a":"[REDACTED]"}');
    expect(redactStoredBody('{"a":"my key: \\sk-abcdefghij\\klmnopqrstuv"}')).toBe('{"a":"my key: [REDACTED]"}');
    const key = 'pool-configured-key-7f3a9c1e';
    for (const body of ['{"m":"bad key \\pool-configured-key-7f3a9c1e"}', '{"m":"bad key pool-\\configured-key-7f3a9c1e."}', 'data: {"m":"p\\ool-configured-key-7f3a9c1e\n']) {
      expect(readings(redactStoredBody(body, [key])).some((r) => r.includes(key)), body).toBe(false);
    }
  });

  it('reads JSON nested in a string again, as a tool call\'s arguments are read: a key escaped there is found with no secret named', () => {
    const key = 'sk-abcdefghijklmnopqrstuv';
    for (const inner of ['s\\u006b-abcdefghijklmnopqrstuv', 's\\k-abcdefghijklmnopqrstuv']) {
      const args = `{"key":"${inner}"}`;
      const body = JSON.stringify({ choices: [{ message: { tool_calls: [{ function: { name: 'f', arguments: args } }] } }] });
      const stored = redactStoredBody(body);
      expect(readings(stored).some((r) => r.includes(key)), stored).toBe(false);
      expect(JSON.parse(stored)).toEqual({ choices: [{ message: { tool_calls: [{ function: { name: 'f', arguments: '{"key":"[REDACTED]"}' } }] } }] });
    }
    // Read once, `\\u0073s\u006b-` is `\u0073sk-`: a key after an escape (review helper-46's case).
    const stored = redactStoredBody('{"a":"\\\\u0073s\\u006b-abcdefghijklmnopqrstuv"}');
    expect(readings(stored).some((r) => r.includes(key)), stored).toBe(false);
  });

  it('reads a token again with its Bearer however far apart the whitespace sets them (review helper-47)', () => {
    for (const separator of [' '.repeat(260), ' '.repeat(1000), '\\\\t'.repeat(130)]) {
      for (const spelling of ['a\\\\u0062cdefghijklmnopqrstuvwxyz', 'a\\\\qbcdefghijklmnopqrstuvwxyz']) {
        const body = `{"a":"{\\"t\\":\\"Bearer${separator}${spelling}\\"}"}`;
        const stored = redactStoredBody(body);
        expect(readings(stored).some((r) => r.includes('abcdefghijklmnopqrstuvwxyz')), body).toBe(false);
      }
    }
  });

  it('reads four levels deep, and leaves a body nested deeper as it was when nothing in reach spells a key', () => {
    const nest = (body: string, depth: number) => {
      for (let i = 0; i < depth; i++) body = JSON.stringify({ a: body });
      return body;
    };
    const key = 'abcdefghijklmnopqrstuv';
    // The key's literal at the fourth reading: read, however the rest is nested around it.
    for (const depth of [1, 2, 3]) expect(readings(redactStoredBody(nest('{"k":"s\\u006b-abcdefghijklmnopqrstuv"}', depth))).some((r) => r.includes(key)), String(depth)).toBe(false);
    for (const depth of [3, 10]) {
      const plain = nest('{"k":"a\\nb\\\\d"}', depth);
      expect(redactStoredBody(plain)).toBe(plain);
      // Also where an invalid escape has every literal with a backslash read.
      const wide = `{"x":"\\q","y":${JSON.stringify(plain)}}`;
      expect(redactStoredBody(wide)).toBe(wide);
    }
  });

  it('reads again only near what it decodes, and finds every secret that reading the whole text again finds: generated, fixed seed', () => {
    // The specification: each reading decodes the whole text (JSON escapes paired from each run's
    // first backslash; an invalid one as its letter), up to MAX_NESTING readings.
    const readWhole = (text: string) => text.replace(/((?:\\\\)+)|\\(?:u00([2-7][0-9a-fA-F])|([^"bfnrtu\n\r])|u(?![0-9a-fA-F]{4}))/g,
      (_m, run: string | undefined, hex: string | undefined, char: string | undefined) => (run ? run.slice(run.length / 2) : hex ? String.fromCharCode(Number.parseInt(hex, 16)) : char ?? 'u'));
    const spellsWhole = (text: string, secrets: string[]) => {
      for (let level = 0, t = text; level < MAX_NESTING; level++) {
        const next = readWhole(t);
        if (next === t) return false;
        if (holdsSecret(next, secrets)) return true;
        t = next;
      }
      return false;
    };
    const parts = ['s', 'k', '-', 'sk-', 'abcdefghijklmnop', '\\', '\\\\', '\\\\\\\\', '\\u', '\\u0073', '\\u006b', '\\u005c', 'u0073', 'u005c', '\\k',
      '\\/', '\\n', '\\"', '"', ' '.repeat(120), 'a'.repeat(130), 'b'.repeat(250), 'e'.repeat(255), '\\\\'.repeat(127), '\\\\'.repeat(128), '\\'.repeat(255),
      'x', '\n', 'Bearer', ' ', 'AKIA', 'ABCDEFGHIJKLMNOP', '0', '7', '\\t', 'my-secret-1', `Bearer${' '.repeat(300)}`, '\\\\u0062cdefghijklmnopqrstuvwxyz'];
    const secretSets = [[], ['my-secret-12345678'], ['q'.repeat(300)]];
    const random = seededRandom(0x5eed1b);
    let found = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = 1 + Math.floor(random() * 30); n > 0; n--) text += parts[Math.floor(random() * parts.length)];
      const secrets = secretSets[Math.floor(random() * secretSets.length)]!;
      if (!spellsWhole(text, secrets)) continue;
      found++;
      expect(spellsSecret(text, secrets), JSON.stringify(text)).toBe(true);
    }
    expect(found).toBeGreaterThan(1_000);
  });

  it('tells an escape JSON does not have from an escaped backslash before a letter', () => {
    for (const text of ['s\\k', 'a\\\\\\d', 'x\\uZZZZ', 'x\\u00e"', 'x\\uZ', 'end\\\n', '\\"\\q']) expect(holdsInvalidEscape(text), text).toBe(true);
    for (const text of ['C:\\\\Users', '/\\\\d+/', 'x\\\\uZZZZ', 'caf\\u00e9 \\n\\t\\/\\"\\\\', 'no escape', '\\\\\\\\']) expect(holdsInvalidEscape(text), text).toBe(false);
    // A `\u` escape the end of the text cuts short, as a body cut at the stored length may end.
    for (const text of ['caf\\u', 'caf\\u0', 'caf\\u00e', 'caf\\', 'x\\\\\\u00']) expect(holdsInvalidEscape(text), text).toBe(false);
  });

  it('ends an event at any blank line, `\\n\\r` included (helper-46), and joins its data with LF as the standard does and without', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    // LF, then an empty line ended by CR: `foo` is an event of its own, not the start of the key's data.
    for (const body of [`data: foo\n\rdata: ${key.slice(0, 12)}\ndata: ${key.slice(12)}\n\n`, `data: foo\r\n\rdata: ${key.slice(0, 12)}\rdata: ${key.slice(12)}\r\r`]) {
      const stored = redactStoredBody(body);
      expect(readings(stored).some((r) => r.includes(key)), JSON.stringify(body)).toBe(false);
      expect(stored, JSON.stringify(body)).toMatch(/^data: foo\r?\n\r/);
    }
    // Joined with LF, a Bearer and its token on two lines are a bearer token.
    const bearer = 'data: {"h":"Authorization: Bearer\ndata: abcdefghijklmnopqrstuvwxyz0123"}\n\ndata: [DONE]\n\n';
    expect(redactStoredBody(bearer)).toBe('data: {"h":"Authorization: [REDACTED]"}\n\ndata: [DONE]\n\n');
  });

  it('reads an SSE stream quoted in a JSON string (a request that pastes one), whose split events a reader of the string joins', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    for (const eol of ['\n', '\r\n', '\r']) {
      const sse = `data: {"m":"${key.slice(0, 12)}${eol}data: ${key.slice(12)}"}${eol}${eol}data: [DONE]${eol}${eol}`;
      const body = JSON.stringify({ messages: [{ role: 'user', content: `Why does this stream fail?\n${sse}` }] });
      const stored = redactStoredBody(body, [], true);
      expect(readings(stored).some((r) => r.includes(key)), JSON.stringify(eol)).toBe(false);
      expect((JSON.parse(stored) as { messages: { content: string }[] }).messages[0]!.content).toContain('data: {"m":"[REDACTED]"}');
    }
    const plain = JSON.stringify({ messages: [{ role: 'user', content: 'data: {"a":1}\n\ndata: {"b":\ndata: 2}\n\n' }] });
    expect(redactStoredBody(plain, [], true)).toBe(plain);
  });

  it('reads what lies between two literals when the quotes do not pair as JSON pairs them and a key escaped there is left spelled', () => {
    const spelled = 's\\u006b-proj-abcdefghijklmnopqrstuvwx';
    // A stray quote before the literal: the text between two literals is read as one, the key's literal is not.
    expect(redactStoredBody(`upstream said: " {"k":"${spelled}"}`)).toBe('upstream said: " {"k":"[REDACTED]"}');
    expect(redactStoredBody(`upstream said: {"k":"${spelled}"}`)).toBe('upstream said: {"k":"[REDACTED]"}');
    const nested = JSON.stringify({ error: { message: `upstream said: " {"k":"${spelled}"}` } });
    expect(JSON.parse(redactStoredBody(nested))).toEqual({ error: { message: 'upstream said: " {"k":"[REDACTED]"}' } });
    // After a line's last literal: an open literal to that reader (review helper-49).
    expect(redactStoredBody(`a"b" ${spelled}`)).toBe('a"b" [REDACTED]');
    expect(readings(redactStoredBody(`a"b" ${spelled}\nnext line`)).some((r) => r.includes('sk-proj-abcdefghijklmnopqrstuvwx'))).toBe(false);
  });

  it('reads an event\'s data that is itself SSE without losing its place in the text (review helper-49: it looped forever)', () => {
    const event = 'data: "data: a\\ndata: b"\ndata: x\n\n';
    for (const body of [event, event.repeat(2), JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: event.repeat(2) }] })]) {
      expect(redactStoredBody(body, [], body.startsWith('{'))).toBe(body);
    }
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const nested = `data: "data: ${key.slice(0, 12)}\\ndata: ${key.slice(12)}"\ndata: x\n\n`.repeat(2);
    expect(readings(redactStoredBody(nested)).some((r) => r.includes(key))).toBe(false);
  });

  it('reads a stream quoted in a JSON string whose `data:` is spelled with escapes (review helper-49), or quoted twice with its backslash spelled (helper-50)', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
    const inner = `data: ${key.slice(0, 12)}\\u005cndata: ${key.slice(12)}\\u005cn\\u005cn`;
    const twice = `{"messages":[{"role":"user","content":"{\\"x\\":\\"${inner}\\"}"}]}`;
    expect((JSON.parse(JSON.parse(twice).messages[0].content) as { x: string }).x).toContain(`${key.slice(0, 12)}\ndata: `);
    expect(readings(redactStoredBody(twice, [], true)).some((r) => r.includes(key))).toBe(false);
    for (const spelled of ['dat\\u0061:', '\\u0064ata:', 'data\\u003a', 'data\\u003A']) {
      const body = `{"messages":[{"role":"user","content":"data: ${key.slice(0, 12)}\\n${spelled} ${key.slice(12)}\\n\\n"}]}`;
      expect(readings(redactStoredBody(body, [], true)).some((r) => r.includes(key)), spelled).toBe(false);
    }
  });

  it('rewrites only the event that held a secret, and leaves a body without one as it was', () => {
    const stream = `data: {"a":1}\n\nevent: error\ndata: {"m":"pool-canary-a\ndata: /7f3a9c1e5b2d4a6f"}\n\ndata: [DONE]\n\n`;
    expect(redactStoredBody(stream, [secret])).toBe('data: {"a":1}\n\nevent: error\ndata: {"m":"[REDACTED]"}\n\ndata: [DONE]\n\n');
    // Other fields between the data lines do not hide the split, whatever the line ends.
    for (const eol of ['\n', '\r\n', '\r']) {
      const between = `data: {"a":1}${eol}${eol}data: {"m":"pool-canary-a${eol}id: 7${eol}: a comment${eol}data: /7f3a9c1e5b2d4a6f"}${eol}${eol}`;
      expect(readings(redactStoredBody(between, [secret])).some((r) => r.includes(secret)), JSON.stringify(eol)).toBe(false);
    }
    const bodies = [
      '{"text":"line one\\nline two \\u00e9\\u4e2d \\/path"}',
      '{"text":"Python writes every non-ASCII character escaped: caf\\u00e9 \\u4e2d\\u6587"}',
      'data: {"a":\ndata: 1}\n\ndata: [DONE]\n\n',
    ];
    for (const body of bodies) expect(redactStoredBody(body, [secret])).toBe(body);
  });
});
