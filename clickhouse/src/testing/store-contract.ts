import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEventRow, encodeRequestEvent, type RequestEvent } from '@periscope/contract';
import type { Driver } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import { eventKey } from '../queries/stored-events.ts';
import { loadMigrations } from '../migrate.ts';
import { privateTable } from '../private-tables.ts';
import type { ListRequestsQuery, Store } from '../store.ts';
import type { RequestDetail, RequestRow } from '../request-rows.ts';
import { makeEvent, makeKey, newProjectId } from './fixtures.ts';
import { accessContract } from './store-contract-access.ts';
import { alertsContract } from './store-contract-alerts.ts';
import { analyticsContract } from './store-contract-analytics.ts';
import { reportsContract } from './store-contract-reports.ts';

/** A store on a fresh, unmigrated database, plus its driver for checks below the Store API. */
export interface StoreHarness {
  store: Store;
  driver: Driver;
  /** Closes the store and removes what the harness created. */
  dispose(): Promise<void>;
}

/**
 * The behaviour both drivers must share, registered in the calling describe block. The
 * harness opens once per file (chDB allows one data directory per process); each test
 * writes to projects of its own.
 */
export function storeContract(open: () => Promise<StoreHarness>): void {
  let harness: StoreHarness;
  let store: Store;
  let firstMigration: number[];

  beforeAll(async () => {
    harness = await open();
    store = harness.store;
    firstMigration = await store.migrate();
  });
  afterAll(async () => {
    await harness?.dispose();
  });

  const physicalRows = async (table: 'requests' | 'gateway_keys', column: string, value: string) => {
    const [row] = await harness.driver.query<{ n: number | string }>(
      `SELECT count() AS n FROM ${table === 'requests' ? table : privateTable(harness.driver, table)} WHERE ${column} = {value:String}`,
      { value },
    );
    return Number(row?.n);
  };
  const ids = (rows: RequestRow[]) => rows.map((r) => r.request_id);
  const listIds = async (q: ListRequestsQuery) => ids((await store.listRequests(q)).data);
  const expectStoreError = async (promise: Promise<unknown>, code: string) => {
    const err = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe(code);
  };
  /** What a list row must show for an event: everything but the bodies, created_at as ISO. */
  const rowOf = (e: RequestEvent): RequestRow => {
    const { event_version: _v, request_body: _req, response_body: _res, created_at, ...rest } = e;
    return { ...rest, created_at: new Date(created_at).toISOString() };
  };
  const detailOf = (e: RequestEvent): RequestDetail => ({
    ...rowOf(e),
    request_body: e.request_body,
    response_body: e.response_body,
  });

  describe('migrations', () => {
    it('applies every migration on a fresh database, in order', async () => {
      const shipped = await loadMigrations();
      expect(firstMigration).toEqual(shipped.map((m) => m.version));
      const recorded = await harness.driver.query<{ version: number | string; name: string }>(
        'SELECT version, name FROM schema_migrations FINAL ORDER BY version',
      );
      expect(recorded.map((r) => ({ version: Number(r.version), name: r.name }))).toEqual(shipped.map((m) => ({ version: m.version, name: m.name })));
    });

    it('applies nothing when run again', async () => {
      expect(await store.migrate()).toEqual([]);
      const [row] = await harness.driver.query<{ n: number | string }>('SELECT count() AS n FROM schema_migrations');
      expect(Number(row?.n)).toBe((await loadMigrations()).length);
    });

    it('creates the requests table with the contract columns and engine', async () => {
      const columns = await harness.driver.query<{ name: string; type: string; compression_codec: string }>(
        `SELECT name, type, compression_codec FROM system.columns
         WHERE database = currentDatabase() AND table = 'requests' ORDER BY position`,
      );
      const byName = Object.fromEntries(columns.map((c) => [c.name, c]));
      // Since contract version 2 an event is its row: every field a column, plus the row's own inserted_at.
      expect(columns.map((c) => c.name).sort()).toEqual([...Object.keys(makeEvent()), 'inserted_at'].sort());
      expect(byName.created_at?.type).toBe("DateTime64(3, 'UTC')");
      expect(byName.inserted_at?.type).toBe("DateTime64(3, 'UTC')");
      expect(byName.properties?.type).toBe('Map(LowCardinality(String), String)');
      expect(byName.ttft_ms?.type).toBe('Nullable(UInt32)');
      expect(byName.cost_usd?.type).toBe('Float64');
      expect(byName.event_version?.type).toBe('UInt8');
      for (const c of ['provider', 'model', 'model_served', 'endpoint', 'error_type', 'cache_status']) {
        expect(byName[c]?.type).toBe('LowCardinality(String)');
      }
      expect(byName.request_body?.compression_codec).toBe('CODEC(ZSTD(3))');
      expect(byName.response_body?.compression_codec).toBe('CODEC(ZSTD(3))');

      const [table] = await harness.driver.query<{ engine_full: string; sorting_key: string }>(
        `SELECT engine_full, sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'requests'`,
      );
      expect(table?.engine_full).toMatch(/^ReplacingMergeTree\(inserted_at\) PARTITION BY toYYYYMM\(created_at\)/);
      expect(table?.engine_full).toContain('non_replicated_deduplication_window = 1000');
      expect(table?.sorting_key).toBe('project_id, created_at, request_id');
      const indexes = await harness.driver.query<{ expr: string; type: string }>(
        `SELECT expr, type FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = 'requests'`,
      );
      expect(indexes.map((i) => i.expr).sort()).toEqual(
        ['mapKeys(properties)', 'mapValues(properties)', 'request_id', 'session_id', 'user_id'].sort(),
      );
      expect(new Set(indexes.map((i) => i.type))).toEqual(new Set(['bloom_filter']));
    });
  });

  describe('requests', () => {
    it('round-trips every field through insert, list and get', async () => {
      const project = newProjectId();
      const full = makeEvent({
        project_id: project,
        created_at: Date.UTC(2026, 10, 25, 13, 50, 53, 7),
        key_id: 'key_ünïcödé',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        model_served: 'claude-sonnet-4-5-20250929',
        endpoint: 'messages',
        status: 529,
        error_type: 'upstream_overloaded',
        error_message: 'Overloaded: "try again" \\ later\nline two\ttab',
        streamed: true,
        latency_ms: 4_294_967_295,
        ttft_ms: 0,
        prompt_tokens: 1_000_000,
        completion_tokens: 2,
        cache_read_tokens: 3,
        cache_write_tokens: 4,
        reasoning_tokens: 5,
        cost_usd: 0.1 + 0.2,
        cost_known: false,
        cache_status: 'bypass',
        attempts: 3,
        user_id: "user'with\"quotes",
        session_id: 'sess-1',
        session_path: '/plan/step\\1',
        session_name: 'Session — naïve 日本語',
        properties: { env: 'prod', "it's": 'a "map"', 'emoji🔑': 'värde\\n', empty: '' },
        request_body: '{"content":"こんにちは 👋 \\"quoted\\" \' single"}\n\u0000nul',
        response_body: 'plain text ✓ with \\backslash\\ and \r\n CRLF',
        request_truncated: true,
        response_truncated: true,
        user_agent: 'Anthropic/Python 0.40.0',
        upstream_request_id: 'req_011CV',
      });
      const minimal = makeEvent({
        project_id: project,
        created_at: full.created_at - 1,
        ttft_ms: null,
        cost_usd: 0,
        request_body: '',
        response_body: '',
      });
      await store.insertRequests([full, minimal]);

      const page = await store.listRequests({ projectIds: [project] });
      expect(page.data).toEqual([rowOf(full), rowOf(minimal)]);
      expect(page.data[0]?.created_at).toBe('2026-11-25T13:50:53.007Z');
      expect(page.data[0]).not.toHaveProperty('request_body');
      expect(page.next_cursor).toBeNull();

      expect(await store.getRequest([project], full.request_id)).toEqual(detailOf(full));
      expect(await store.getRequest([project], minimal.request_id)).toEqual(detailOf(minimal));
      const [stored] = await harness.driver.query<{ event_version: number }>(
        'SELECT event_version FROM requests WHERE request_id = {id:String}',
        { id: full.request_id },
      );
      expect(stored?.event_version).toBe(2);
    });

    it('treats quotes, backslashes and placeholders in values as data, never as SQL', async () => {
      const project = newProjectId();
      const hostile = [
        "' OR 1=1 --",
        "\\' OR '1'='1",
        '{projectIds:Array(String)}',
        "x'); DROP TABLE requests; --",
      ];
      const events = hostile.map((value, i) =>
        makeEvent({ project_id: project, user_id: value, session_id: value, request_id: value, properties: { [value]: value }, created_at: Date.now() - 1000 * (i + 1) }),
      );
      const plain = makeEvent({ project_id: project, user_id: 'plain', properties: { k: 'v' } });
      await store.insertRequests([...events, plain]);

      for (const [i, value] of hostile.entries()) {
        const expected = [events[i]?.request_id];
        expect(await listIds({ projectIds: [project], user_id: value })).toEqual(expected);
        expect(await listIds({ projectIds: [project], session_id: value })).toEqual(expected);
        expect(await listIds({ projectIds: [project], properties: { [value]: value } })).toEqual(expected);
        expect((await store.getRequest([project], value))?.user_id).toBe(value);
        expect(await store.getRequest([value], value)).toBeNull();
        expect(await listIds({ projectIds: [value] })).toEqual([]);
      }
      expect(await listIds({ projectIds: [project], model: "gpt-4o-mini' OR '1'='1" })).toEqual([]);
      expect(await physicalRows('requests', 'project_id', project)).toBe(hostile.length + 1);
    });

    it('applies every filter, alone and combined', async () => {
      const project = newProjectId();
      const t0 = Date.now() - 3_600_000;
      const e = (name: string, minutes: number, overrides: Partial<RequestEvent>) =>
        makeEvent({ request_id: `${project}_${name}`, project_id: project, created_at: t0 + minutes * 60_000, ...overrides });
      const ok = e('ok', 0, { model: 'gpt-4o', provider: 'openai', status: 200, user_id: 'u1', session_id: 's1', cache_status: 'hit', properties: { env: 'prod', team: 'a' } });
      const limited = e('limited', 1, { model: 'gpt-4o', provider: 'openai', status: 429, error_type: 'rate_limit', user_id: 'u2', cache_status: 'miss', properties: { env: 'prod' } });
      const failed = e('failed', 2, { model: 'claude', provider: 'anthropic', status: 503, user_id: 'u1', session_id: 's2', cache_status: 'bypass', properties: { env: 'dev', team: 'a' } });
      const aborted = e('aborted', 3, { model: 'claude', provider: 'anthropic', status: 0, error_type: 'client_aborted', cache_status: 'miss', properties: { env: '' } });
      await store.insertRequests([ok, limited, failed, aborted]);
      const all = { projectIds: [project] };
      const name = (...events: RequestEvent[]) => events.map((x) => x.request_id);

      expect(await listIds(all)).toEqual(name(aborted, failed, limited, ok));
      expect(await listIds({ ...all, from: limited.created_at })).toEqual(name(aborted, failed, limited));
      expect(await listIds({ ...all, to: failed.created_at })).toEqual(name(limited, ok));
      expect(await listIds({ ...all, from: limited.created_at, to: aborted.created_at })).toEqual(name(failed, limited));
      expect(await listIds({ ...all, model: 'gpt-4o' })).toEqual(name(limited, ok));
      expect(await listIds({ ...all, provider: 'anthropic' })).toEqual(name(aborted, failed));
      expect(await listIds({ ...all, status: 429 })).toEqual(name(limited));
      expect(await listIds({ ...all, statusClass: 2 })).toEqual(name(ok));
      expect(await listIds({ ...all, statusClass: 4 })).toEqual(name(limited));
      expect(await listIds({ ...all, statusClass: 5 })).toEqual(name(failed));
      expect(await listIds({ ...all, statusClass: 0 })).toEqual(name(aborted));
      expect(await listIds({ ...all, user_id: 'u1' })).toEqual(name(failed, ok));
      expect(await listIds({ ...all, session_id: 's2' })).toEqual(name(failed));
      expect(await listIds({ ...all, cache_status: 'miss' })).toEqual(name(aborted, limited));
      expect(await listIds({ ...all, properties: { env: 'prod' } })).toEqual(name(limited, ok));
      expect(await listIds({ ...all, properties: { env: 'prod', team: 'a' } })).toEqual(name(ok));
      expect(await listIds({ ...all, properties: { team: '' } })).toEqual([]);
      expect(await listIds({ ...all, properties: { env: '' } })).toEqual(name(aborted));
      expect(await listIds({ ...all, user_id: 'u1', provider: 'openai', properties: { team: 'a' } })).toEqual(name(ok));
      expect(await listIds({ ...all, user_id: 'nobody' })).toEqual([]);
    });

    it('rejects malformed filters with invalid_argument and clamps the limit', async () => {
      const project = newProjectId();
      const base = Date.now() - 10_000;
      await store.insertRequests(Array.from({ length: 60 }, (_, i) => makeEvent({ project_id: project, created_at: base + i })));
      expect((await store.listRequests({ projectIds: [project] })).data).toHaveLength(50);
      expect((await store.listRequests({ projectIds: [project], limit: 0 })).data).toHaveLength(1);
      expect((await store.listRequests({ projectIds: [project], limit: -5 })).data).toHaveLength(1);
      expect((await store.listRequests({ projectIds: [project], limit: 5000 })).data).toHaveLength(60);
      await expectStoreError(store.listRequests({ projectIds: [project], status: 2.5 }), 'invalid_argument');
      await expectStoreError(store.listRequests({ projectIds: [project], statusClass: 10 }), 'invalid_argument');
      await expectStoreError(store.listRequests({ projectIds: [project], from: -1 }), 'invalid_argument');
      await expectStoreError(store.listRequests({ projectIds: [project], limit: Number.NaN }), 'invalid_argument');
      await expectStoreError(
        store.listRequests({ projectIds: [project], cache_status: 'stale' as RequestEvent['cache_status'] }),
        'invalid_argument',
      );
    });

    it('caps a page at 1000 rows', async () => {
      const project = newProjectId();
      const base = Date.now() - 100_000;
      const events = Array.from({ length: 1001 }, (_, i) =>
        makeEvent({ project_id: project, created_at: base + i, request_body: '', response_body: '' }),
      );
      await store.insertRequests(events);
      const page = await store.listRequests({ projectIds: [project], limit: 100_000 });
      expect(page.data).toHaveLength(1000);
      expect(page.next_cursor).not.toBeNull();
      const rest = await store.listRequests({ projectIds: [project], limit: 100_000, cursor: page.next_cursor ?? '' });
      expect(ids(rest.data)).toEqual([events[0]?.request_id]);
      expect(rest.next_cursor).toBeNull();
    });

    it('pages newest first through equal timestamps, ties broken by request_id', async () => {
      const project = newProjectId();
      const same = Date.now() - 5_000;
      const tied = Array.from({ length: 23 }, (_, i) =>
        makeEvent({ project_id: project, created_at: same, request_id: `tie_${String(i).padStart(2, '0')}` }),
      );
      const newer = makeEvent({ project_id: project, created_at: same + 1, request_id: 'aaa_newer' });
      const older = makeEvent({ project_id: project, created_at: same - 1, request_id: 'zzz_older' });
      await store.insertRequests([...tied.slice(0, 10), older]);
      await store.insertRequests([newer, ...tied.slice(10)]);
      const expected = [newer.request_id, ...tied.map((t) => t.request_id).reverse(), older.request_id];

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listRequests({ projectIds: [project], limit: 7, ...(cursor ? { cursor } : {}) });
        expect(page.data.length).toBeLessThanOrEqual(7);
        seen.push(...ids(page.data));
        cursor = page.next_cursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBe(4);
      expect(seen).toEqual(expected);

      const exact = await store.listRequests({ projectIds: [project], limit: expected.length });
      expect(exact.next_cursor).toBeNull();
    });

    it('keeps cursors within the filters they are combined with', async () => {
      const project = newProjectId();
      const base = Date.now() - 20_000;
      const events = Array.from({ length: 9 }, (_, i) =>
        makeEvent({ project_id: project, created_at: base + i, model: i % 2 === 0 ? 'even' : 'odd' }),
      );
      await store.insertRequests(events);
      const first = await store.listRequests({ projectIds: [project], model: 'even', limit: 3 });
      const second = await store.listRequests({ projectIds: [project], model: 'even', limit: 3, cursor: first.next_cursor ?? '' });
      expect([...ids(first.data), ...ids(second.data)]).toEqual(
        events.filter((e) => e.model === 'even').map((e) => e.request_id).reverse(),
      );
      expect(second.next_cursor).toBeNull();
    });

    it('rejects a cursor it did not issue', async () => {
      const projectIds = [newProjectId()];
      await expectStoreError(store.listRequests({ projectIds, cursor: 'not-a-cursor' }), 'invalid_cursor');
      const forged = Buffer.from(JSON.stringify({ created_at: 1 })).toString('base64url');
      await expectStoreError(store.listRequests({ projectIds, cursor: forged }), 'invalid_cursor');
    });

    it('never shows one project the rows of another', async () => {
      const a = newProjectId('a');
      const b = newProjectId('b');
      const inA = makeEvent({ project_id: a, created_at: Date.now() - 2_000 });
      const inB = makeEvent({ project_id: b, created_at: Date.now() - 1_000 });
      const sharedIdA = makeEvent({ project_id: a, request_id: `shared_${a}`, user_id: 'in-a', created_at: Date.now() - 3_000 });
      const sharedIdB = makeEvent({ project_id: b, request_id: `shared_${a}`, user_id: 'in-b', created_at: Date.now() - 3_000 });
      await store.insertRequests([inA, inB, sharedIdA, sharedIdB]);

      expect(await listIds({ projectIds: [a] })).toEqual([inA.request_id, sharedIdA.request_id]);
      expect(await listIds({ projectIds: [b] })).toEqual([inB.request_id, sharedIdB.request_id]);
      expect((await store.listRequests({ projectIds: [a, b] })).data.map((r) => r.project_id).sort()).toEqual([a, a, b, b]);
      expect(await store.listRequests({ projectIds: [] })).toEqual({ data: [], next_cursor: null });
      expect(await store.getRequest([b], inA.request_id)).toBeNull();
      expect(await store.getRequest([], inA.request_id)).toBeNull();
      expect((await store.getRequest([a], inA.request_id))?.project_id).toBe(a);
      expect((await store.getRequest([a], sharedIdA.request_id))?.user_id).toBe('in-a');
      expect((await store.getRequest([b], sharedIdA.request_id))?.user_id).toBe('in-b');
    });

    it('shows a redelivered event once', async () => {
      const project = newProjectId();
      const event = makeEvent({ project_id: project });
      const other = makeEvent({ project_id: project, created_at: event.created_at - 10 });
      await store.insertRequests([event]);
      await store.insertRequests([other, event]);
      await store.insertRequests([event]);

      expect(await listIds({ projectIds: [project] })).toEqual([event.request_id, other.request_id]);
      expect(await store.getRequest([project], event.request_id)).toEqual(detailOf(event));
    });

    it('says an event is stored only for its own project and time: a request id chosen again elsewhere is not it', async () => {
      const project = newProjectId();
      const stored = makeEvent({ project_id: project, request_id: `client-chosen-${project}` });
      await store.insertRequests([stored]);
      const sameIdOtherProject = { ...stored, project_id: newProjectId() };
      const sameIdLater = { ...stored, created_at: stored.created_at + 1 };
      const found = await store.storedEvents([sameIdOtherProject, sameIdLater, stored]);
      expect([stored, sameIdOtherProject, sameIdLater].map((e) => found.has(eventKey(e)))).toEqual([true, false, false]);
    });

    it('keeps identities apart whatever characters their ids hold', async () => {
      const p = newProjectId();
      const t = Date.now() - 60_000;
      const stored = makeEvent({ project_id: `${p}\n${t}`, created_at: t + 1, request_id: `r-${p}` });
      await store.insertRequests([stored]);
      const other = makeEvent({ project_id: p, created_at: t, request_id: `${t + 1}\nr-${p}` });
      const found = await store.storedEvents([other, stored]);
      expect([stored, other].map((e) => found.has(eventKey(e)))).toEqual([true, false]);
    });

    it('remembers the request ids recorded as resent for a day, the most recent first, each once, as many as asked', async () => {
      const tag = newProjectId();
      const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 19).replace('T', ' ');
      await harness.driver.insertJSONEachRow(privateTable(harness.driver, 'resent_events'), [
        { request_id: `${tag}-two-days-ago`, seen_at: at(2 * 86_400_000) },
        { request_id: `${tag}-an-hour-ago`, seen_at: at(3_600_000) },
      ]);
      await store.recordResent([`${tag}-now`]);
      await store.recordResent([`${tag}-now`]);
      await store.recordResent([]);
      const mine = (ids: string[]) => ids.filter((id) => id.startsWith(tag));
      expect(mine(await store.recentlyResent(1000))).toEqual([`${tag}-now`, `${tag}-an-hour-ago`]);
      expect(await store.recentlyResent(1)).toEqual([`${tag}-now`]);
    });

    it.each([
      ['bytes that are not UTF-8', (row: Buffer) => Buffer.from(row).fill(0xff, row.indexOf('-X"') + 1, row.indexOf('-X"') + 2)],
      ['a lone surrogate escape', (row: Buffer) => Buffer.from(row.toString().replace('-X"', '-\\ud800"'))],
    ])('finds a row stored from another producer\'s event with %s in its request id by the identity decodeEventRow gives', async (_, spoil) => {
      const p = newProjectId();
      const decoded = decodeEventRow(spoil(encodeRequestEvent(makeEvent({ project_id: p, request_id: `odd-${p}-X` }))));
      if (!decoded.ok) throw new Error(decoded.reason);
      await store.insertRequestRows([decoded.row]);
      expect((await store.storedEvents([decoded.event])).has(eventKey(decoded.event))).toBe(true);
    });

    it('stores a batch retried with the same dedup token once', async () => {
      const project = newProjectId();
      const batch = Array.from({ length: 5 }, (_, i) => makeEvent({ project_id: project, created_at: Date.now() - i }));
      const token = `batch-${project}`;
      expect(await store.storedEvents(batch)).toEqual(new Set());
      await store.insertRequests(batch, { dedupToken: token });
      expect(await store.storedEvents([...batch, makeEvent({ project_id: project })])).toEqual(new Set(batch.map(eventKey)));
      await store.insertRequests(batch, { dedupToken: token });
      expect(await physicalRows('requests', 'project_id', project)).toBe(5);

      // Different rows under a used token are dropped too: the token, not the content, decides.
      await store.insertRequests([makeEvent({ project_id: project })], { dedupToken: token });
      expect(await physicalRows('requests', 'project_id', project)).toBe(5);
      await store.insertRequests([makeEvent({ project_id: project })], { dedupToken: `${token}-next` });
      expect(await physicalRows('requests', 'project_id', project)).toBe(6);
    });

    it('refuses an event that breaks the contract and writes none of its batch', async () => {
      const project = newProjectId();
      const good = makeEvent({ project_id: project });
      const bad = makeEvent({ project_id: project, status: 70_000 });
      await expectStoreError(store.insertRequests([good, bad]), 'invalid_event');
      expect(await physicalRows('requests', 'project_id', project)).toBe(0);
    });

    it('reports rows the engine itself refuses as rows_refused (400), not as a failure worth retrying', async () => {
      const project = newProjectId();
      const good = encodeRequestEvent(makeEvent({ project_id: project }));
      // Past the contract check (the ingest's), so only the engine can refuse it: a string where a number goes.
      const bad = Buffer.from(encodeRequestEvent(makeEvent({ project_id: project, status: 200 })).toString().replace('"status":200', '"status":"two hundred"'));
      expect(bad.toString()).toContain('"status":"two hundred"');
      const err = await store.insertRequestRows([good, bad], { dedupToken: `refused-${project}` }).then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'rows_refused', status: 400 });
      expect(await physicalRows('requests', 'project_id', project)).toBe(0);
      await store.insertRequestRows([good], { dedupToken: `good-${project}` });
      expect(await physicalRows('requests', 'project_id', project)).toBe(1);
    });

    it('stores lone UTF-16 surrogates from a client (encoded well-formed), and refuses their raw escape as rows_refused', async () => {
      const project = newProjectId();
      // Valid for the contract; JSON.stringify alone would write each as an escape the engine refuses.
      const event = makeEvent({ project_id: project, model: 'x\ud800', user_id: 'a\ud800"b', request_body: '{"model":"\udfff"}', properties: { 'k\ud800': 'v\udc00' } });
      await store.insertRequests([event]);
      const stored = await store.getRequest([project], event.request_id);
      expect(stored).toMatchObject({ model: 'x\ufffd', user_id: 'a\ufffd"b', request_body: '{"model":"\ufffd"}', properties: { 'k\ufffd': 'v\ufffd' } });
      const raw = Buffer.from(encodeRequestEvent(makeEvent({ project_id: project, user_id: 'u' })).toString().replace('"user_id":"u"', '"user_id":"a\\ud800\\"b"'));
      expect(raw.toString()).toContain('"user_id":"a\\ud800\\"b"');
      await expectStoreError(store.insertRequestRows([raw]), 'rows_refused');
      // The control tables' rows too (a key's name, say): stored, not a failed request.
      const key = makeKey({ project_id: project, name: 'team\ud800' });
      await store.insertKey(key);
      expect((await store.findKeyByHash(key.key_hash))?.name).toBe('team\ufffd');
    });
  });

  describe('body TTL', () => {
    it('sets, reads and removes the TTL on both body columns', async () => {
      const ddl = async () => {
        const [t] = await harness.driver.query<{ create_table_query: string }>(
          `SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = 'requests'`,
        );
        return t?.create_table_query ?? '';
      };
      expect(await store.getBodyTtlDays()).toBe(0);
      await store.setBodyTtlDays(30);
      expect(await store.getBodyTtlDays()).toBe(30);
      expect((await ddl()).match(/TTL created_at \+ toIntervalDay\(30\)/g)).toHaveLength(2);
      await store.setBodyTtlDays(30);
      await store.setBodyTtlDays(7);
      expect(await store.getBodyTtlDays()).toBe(7);
      await store.setBodyTtlDays(0);
      expect(await store.getBodyTtlDays()).toBe(0);
      expect(await ddl()).not.toContain(' TTL ');
      // Removing a TTL that is not there is an engine error, so this proves the no-op path.
      await store.setBodyTtlDays(0);
      await expectStoreError(store.setBodyTtlDays(1.5), 'invalid_argument');
      await expectStoreError(store.setBodyTtlDays(-1), 'invalid_argument');
    });

    it('clears bodies once they are older than the TTL, and keeps a current event\'s under the longest TTL', async () => {
      const project = newProjectId();
      const old = makeEvent({ project_id: project, created_at: Date.now() - 40 * 86_400_000, request_body: 'old question', response_body: 'old answer' });
      const current = makeEvent({ project_id: project, request_body: 'new question', response_body: 'new answer' });
      await store.insertRequests([old, current]);
      const bodies = async () => {
        await harness.driver.exec('OPTIMIZE TABLE requests FINAL');
        return harness.driver.query<{ request_id: string; request_body: string; response_body: string }>(
          'SELECT request_id, request_body, response_body FROM requests FINAL WHERE project_id = {p:String} ORDER BY created_at', { p: project },
        );
      };
      try {
        // 100 years: over a 32-bit DateTime's range from today, it wrapped to a past time.
        await store.setBodyTtlDays(36_500);
        expect((await bodies()).map((r) => r.response_body)).toEqual(['old answer', 'new answer']);
        await store.setBodyTtlDays(30);
        expect(await bodies()).toEqual([
          { request_id: old.request_id, request_body: '', response_body: '' },
          { request_id: current.request_id, request_body: 'new question', response_body: 'new answer' },
        ]);
      } finally {
        await store.setBodyTtlDays(0);
      }
    });

    it('replaces the 32-bit TTL versions before set (toDateTime(created_at)) with the same days', async () => {
      try {
        for (const column of ['request_body', 'response_body']) {
          await harness.driver.exec(`ALTER TABLE requests MODIFY COLUMN ${column} TTL toDateTime(created_at) + INTERVAL 30 DAY`);
        }
        expect(await store.getBodyTtlDays()).toBe(-1);
        await store.setBodyTtlDays(30);
        expect(await store.getBodyTtlDays()).toBe(30);
      } finally {
        await store.setBodyTtlDays(0);
      }
    });
  });

  describe('gateway keys', () => {
    it('inserts, finds by hash and lists keys per project', async () => {
      const a = newProjectId('a');
      const b = newProjectId('b');
      const older = makeKey({ project_id: a, name: "ci's key", created_at: Date.now() - 5_000, expires_at: Date.UTC(2030, 0, 1, 0, 0, 0, 123) });
      const newer = makeKey({ project_id: a, created_at: Date.now() - 1_000 });
      const other = makeKey({ project_id: b });
      for (const key of [older, newer, other]) await store.insertKey(key);

      expect(await store.findKeyByHash(older.key_hash)).toEqual(older);
      expect(await store.findKeyByHash('no-such-hash')).toBeNull();
      expect(await store.listKeys([a])).toEqual([newer, older]);
      expect(await store.listKeys([a, b])).toHaveLength(3);
      expect(await store.listKeys([])).toEqual([]);
      const everyKey = await store.listKeys();
      expect(everyKey).toEqual(expect.arrayContaining([older, newer, other]));
    });

    it('revokes by inserting a new version that reads replace the old one with', async () => {
      const key = makeKey({ project_id: newProjectId() });
      await store.insertKey(key);
      const at = Date.now();
      expect(await store.revokeKey(key.key_id, at)).toBe(true);
      expect(await store.findKeyByHash(key.key_hash)).toEqual({ ...key, revoked_at: at });
      expect(await store.listKeys([key.project_id])).toEqual([{ ...key, revoked_at: at }]);
      // A new version, not an update in place: version 2 is stored (a background merge may
      // already have replaced version 1 with it, so the raw row count is 1 or 2).
      const [stored] = await harness.driver.query<{ v: number | string }>(
        `SELECT max(version) AS v FROM ${privateTable(harness.driver, 'gateway_keys')} WHERE key_id = {id:String}`, { id: key.key_id },
      );
      expect(Number(stored?.v)).toBe(2);

      expect(await store.revokeKey(key.key_id, at + 60_000)).toBe(true);
      expect((await store.findKeyByHash(key.key_hash))?.revoked_at).toBe(at);
      expect(await store.revokeKey('key_missing', at)).toBe(false);
    });
  });

  describe('analytics', () => analyticsContract(() => store));
  describe('alerts', () => alertsContract(() => store));
  describe('access', () => accessContract(() => store));
  describe('reports', () => reportsContract(() => store));

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}
