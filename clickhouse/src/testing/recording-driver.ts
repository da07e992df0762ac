import type { Driver, InsertSettings, QueryParams, QuerySettings } from '../driver/driver.ts';

export interface RecordedCall {
  kind: 'query' | 'exec' | 'insert';
  sql: string;
  params: QueryParams;
  rows?: readonly object[];
  settings?: InsertSettings;
}

/** A Driver that records what it is asked and answers queries from a callback. */
export class RecordingDriver implements Driver {
  readonly kind = 'chdb';
  readonly database = 'default';
  readonly calls: RecordedCall[] = [];

  constructor(
    private readonly answer: (sql: string, params: QueryParams) => unknown[] = () => [],
    private readonly failOn: (sql: string) => boolean = () => false,
  ) {}

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    this.calls.push({ kind: 'query', sql, params });
    return this.answer(sql, params) as T[];
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    this.calls.push({ kind: 'exec', sql, params });
    if (this.failOn(sql)) throw new Error(`refused: ${sql.slice(0, 40)}`);
  }

  /** Answers with the callback's rows as JSONEachRow text. */
  async queryText(sql: string, params: QueryParams, _format: string, _settings?: QuerySettings): Promise<string> {
    this.calls.push({ kind: 'query', sql, params });
    return this.answer(sql, params).map((row) => JSON.stringify(row)).join('\n');
  }

  async *stream(sql: string, params: QueryParams): AsyncGenerator<Uint8Array> {
    yield Buffer.from(await this.queryText(sql, params, 'JSONEachRow'));
  }

  async insertJSONEachRow(table: string, rows: readonly object[], settings: InsertSettings = {}): Promise<void> {
    this.calls.push({ kind: 'insert', sql: table, params: {}, rows, settings });
  }

  /** Recorded like insertJSONEachRow, with the rows decoded. */
  async insertJSONEachRowBytes(table: string, encoded: readonly Buffer[], settings: InsertSettings = {}): Promise<void> {
    const rows = encoded.map((row) => JSON.parse(row.toString('utf8')) as object);
    this.calls.push({ kind: 'insert', sql: table, params: {}, rows, settings });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
