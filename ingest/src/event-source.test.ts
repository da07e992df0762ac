import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discardKafkaJournal } from './event-source.ts';
import { inflightDirOf } from './kafka/event-consumer.ts';

let dataDir: string;
const said: Array<{ level: string; obj: object; msg: string }> = [];
const log = {
  warn: (obj: object, msg: string) => void said.push({ level: 'warn', obj, msg }),
  error: (obj: object, msg: string) => void said.push({ level: 'error', obj, msg }),
};

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'periscope-source-'));
  said.length = 0;
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('a data directory a Kafka run used, started without Kafka', () => {
  it('says what stays in Kafka, counting the unfinished inserts, and removes the journal', () => {
    const journal = inflightDirOf(dataDir);
    mkdirSync(journal, { recursive: true });
    writeFileSync(join(journal, 'a'), '');
    writeFileSync(join(journal, 'b'), '');
    writeFileSync(join(journal, 'c.tmp'), ''); // a write a kill cut short: not an insert
    expect(discardKafkaJournal(dataDir, log)).toBe(2);
    expect(said).toEqual([expect.objectContaining({ level: 'warn', obj: { unfinished_inserts: 2 } })]);
    expect(said[0]!.msg).toMatch(/start with Kafka again/);
    expect(existsSync(journal)).toBe(false);
  });

  it('says nothing for a directory no Kafka run used', () => {
    expect(discardKafkaJournal(dataDir, log)).toBe(0);
    expect(said).toEqual([]);
  });
});
