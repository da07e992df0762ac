import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InflightJournal } from './inflight-journal.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inflight-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (n: number, tag = 'r') => Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ request_id: `${tag}-${i}`, body: 'é\\u00e9 "quoted" \u2028' })));

describe('InflightJournal', () => {
  it('reads back every unfinished insert whole, with its token, oldest first; finished ones are gone', () => {
    const dead = new InflightJournal(dir, 'aaaa');
    const first = rows(1_234, 'a'); // more rows than one writev takes
    const second = rows(1, 'b');
    const finished = dead.begin(rows(3, 'c'), 'tok-c');
    const a = dead.begin(first, 'gen/topic/0/0-1233:1234');
    const b = dead.begin(second, 'gen/topic/1/5-5:1:isolated:gen:1:0');
    dead.done(finished);
    utimesSync(a, new Date(1_000), new Date(1_000));
    utimesSync(b, new Date(2_000), new Date(2_000));

    const { inserts, damaged } = new InflightJournal(dir, 'bbbb').unfinishedInserts();
    expect(damaged).toEqual([]);
    expect(inserts.map((i) => i.token)).toEqual(['gen/topic/0/0-1233:1234', 'gen/topic/1/5-5:1:isolated:gen:1:0']);
    expect(inserts[0]!.rows).toEqual(first);
    expect(inserts[1]!.rows).toEqual(second);
  });

  it('removes what a kill left half-written and entries that do not read back whole, and reports the latter', () => {
    const dead = new InflightJournal(dir, 'aaaa');
    const whole = dead.begin(rows(5), 'whole');
    const cut = dead.begin(rows(5), 'cut');
    truncateSync(cut, statSync(cut).size - 3);
    const short = dead.begin(rows(5), 'short');
    truncateSync(short, statSync(short).size - rows(5)[4]!.length - 1); // one row fewer than announced
    writeFileSync(join(dir, 'aaaa-9.rows.tmp'), 'half');
    writeFileSync(join(dir, 'aaaa-10.rows'), 'not a header\n{}\n');
    writeFileSync(join(dir, 'aaaa-11.rows'), `${JSON.stringify({ v: 2, token: 't', rows: 1 })}\n{}\n`);
    writeFileSync(join(dir, 'aaaa-12.rows'), `${JSON.stringify({ v: 1, token: '', rows: 1 })}\n{}\n`);
    writeFileSync(join(dir, 'aaaa-13.rows'), `${JSON.stringify({ v: 1, token: 't', rows: 2 })}\n{}\n\n`);
    writeFileSync(join(dir, 'aaaa-14.rows'), '');
    mkdirSync(join(dir, 'aaaa-15.rows'));

    const { inserts, damaged } = new InflightJournal(dir, 'bbbb').unfinishedInserts();
    expect(inserts.map((i) => i.file)).toEqual([whole]);
    expect(damaged.sort()).toEqual(['aaaa-1.rows', 'aaaa-10.rows', 'aaaa-11.rows', 'aaaa-12.rows', 'aaaa-13.rows', 'aaaa-14.rows', 'aaaa-15.rows', 'aaaa-2.rows']);
    expect(readdirSync(dir)).toEqual(['aaaa-0.rows']);
  });

  it('names files by generation, so a new process never overwrites what its predecessor left', () => {
    const dead = new InflightJournal(dir, 'aaaa');
    dead.begin(rows(1), 'old');
    const next = new InflightJournal(dir, 'bbbb');
    const fresh = next.begin(rows(2), 'new');
    expect(readdirSync(dir).sort()).toEqual(['aaaa-0.rows', 'bbbb-0.rows']);
    next.done(fresh);
    expect(next.unfinishedInserts().inserts.map((i) => i.token)).toEqual(['old']);
  });

  it('leaves nothing behind when an entry cannot be written, and keeps the files private', () => {
    const sub = join(dir, 'ingest-inflight');
    const journal = new InflightJournal(sub, 'aaaa');
    expect(() => journal.begin([Buffer.from('{}'), 'not a buffer' as unknown as Buffer], 'token')).toThrow();
    expect(readdirSync(sub)).toEqual([]);
    const file = journal.begin(rows(1), 'token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(sub).mode & 0o777).toBe(0o700);
  });

  it('starts on a path it cannot use: nothing unfinished where no directory is yet, and each entry then fails alone', () => {
    expect(new InflightJournal(join(dir, 'not-yet'), 'aaaa').unfinishedInserts()).toEqual({ inserts: [], damaged: [] });
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const journal = new InflightJournal(file, 'aaaa');
    expect(() => journal.begin(rows(1), 'token')).toThrow();
    expect(() => journal.unfinishedInserts()).toThrow();
  });

  it('makes its directory again when it was removed while running, and tightens one made before', () => {
    const sub = join(dir, 'removed');
    const journal = new InflightJournal(sub, 'aaaa');
    journal.done(journal.begin(rows(1), 'first'));
    rmSync(sub, { recursive: true });
    journal.begin(rows(1), 'kept');
    expect(journal.unfinishedInserts().inserts.map((i) => i.token)).toEqual(['kept']);
    expect(statSync(sub).mode & 0o777).toBe(0o700);

    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    new InflightJournal(loose, 'bbbb');
    expect(statSync(loose).mode & 0o777).toBe(0o700);
  });
});
