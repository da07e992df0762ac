import { seededRandom } from '@periscope/proxy';

/**
 * A small grammar of SQL attacks on the report sandbox, driven by a seeded PRNG so a failing
 * statement can be regenerated from its seed and index.
 *
 * Seven statements in ten are a query the sandbox accepts (the views, WITH subqueries at
 * every depth, joins of every kind, subqueries in every clause, window functions, set
 * operations, parameters of data types) with one or two attacks injected where a table or an
 * expression stands, so that each attack is tested on its own rather than refused along with
 * the rest of a statement. The attacks:
 *
 * - a WITH subquery named like a private table (the statement's decoy), read where that name
 *   is out of its scope: in a scalar subquery, a join, IN, EXISTS or a lambda elsewhere;
 * - an Identifier parameter naming the raw request log, a private table or a qualified name;
 * - a comma join after `JOIN ... ON` inside a subquery, naming the raw log or a private table;
 * - database-qualified and quoted names, table functions, `IN name`, aliases equal to table names;
 * - reads that carry a whole row (`toString(tuple(*))`) and error channels (`toUInt8`,
 *   `throwIf` and casts of a secret), in scalar subqueries of every clause and in lambdas.
 *
 * The other three in ten are hostile all through. Keywords change case, and comments and odd
 * whitespace separate tokens. The suite asserts that no answer, accepted or not, carries a
 * canary; its statistics show how many statements ran and how many failed only in the engine.
 */
export interface Attack {
  sql: string;
  params: Record<string, unknown>;
}

const VIEWS = ['requests', 'requests_1m', 'requests_1h'];
const PRIVATE = ['accounts', 'gateway_keys', 'alert_rules', 'alert_states', 'alert_events', 'leases', 'reports', 'report_runs', 'resent_events'];
const RAW = ['requests_rollup_1m', 'requests_rollup_1h', 'schema_migrations', 'periscope_sql_requests', 'requests_rollup_1m_mv'];
const QUALIFIED = [
  'default.requests', 'default.accounts', 'periscope_private.accounts', 'periscope_private.gateway_keys', 'periscope_private.reports',
  '`periscope_private`.`accounts`', 'system.tables', 'system.one', 'system.processes', 'information_schema.tables', 'default.requests_rollup_1h',
  'periscope_sandbox.requests', '`default`.`requests`',
];
const TABLE_FUNCTIONS = [
  "file('/etc/hostname', 'LineAsString')", "merge('periscope_private', '.*')", "merge('default', '^requests$')",
  'view(SELECT * FROM periscope_private.accounts)', 'view(SELECT * FROM accounts)', "mergeTreeIndex('default', 'requests')",
  "url('http://127.0.0.1:9/x', 'LineAsString')", "remote('127.0.0.1:9', default.requests)", "generateRandom('a String')",
  "periscope_sql_requests(periscope_projects = ['x'])", "requests(periscope_projects = ['x'])", "cluster('default', default.requests)",
  "dictionary('d')", "s3('http://127.0.0.1:9/x')", 'numbers(3)', 'numbers(2) AS requests',
];
/** Columns every view has, which an accepted statement can read. */
const VIEW_COLUMNS = ['model', 'project_id', 'key_id', 'cost_usd', 'status', 'provider', 'cache_status'];
/** Columns that hold secrets, by the table (or view) that has them. */
const SECRETS_OF: Readonly<Record<string, readonly string[]>> = {
  accounts: ['email', 'password_hash', 'name'], gateway_keys: ['name', 'key_hash', 'key_id'], alert_rules: ['name', 'spec', 'created_by'],
  alert_states: ['group_key', 'rule_id'], alert_events: ['deliveries', 'group_key', 'event_id'], leases: ['holder', 'name'],
  reports: ['name', 'sql', 'delivery', 'description'], report_runs: ['error', 'delivery', 'report_id'], resent_events: ['request_id'],
  requests: ['request_body', 'response_body', 'user_id', 'model', 'error_message', 'session_id', 'user_agent'],
};
const SECRET_COLUMNS = [...new Set(Object.values(SECRETS_OF).flat())];
const SPACES = [' ', ' ', ' ', '  ', '\n', '\t', '\n\t ', ' /* note */ ', ' -- note\n', '/**/', '\r\n'];

/** Parameter types an attacker tries, each with a value. */
const DATA_PARAMS: readonly [string, unknown][] = [
  ['String', "x' OR 1=1 --"], ['String', 'accounts'], ['UInt8', 7], ['Int64', -1], ['Float64', 1.5], ['Array(String)', ['a', 'b']],
  ['DateTime', '2026-01-01 00:00:00'], ['Bool', true], ['UUID', '00000000-0000-0000-0000-000000000000'], ['Decimal(10, 2)', 1.25],
  ['LowCardinality(String)', 'x'], ['Map(String, String)', "{'a':'b'}"],
];
const NAME_PARAMS: readonly [string, unknown][] = [
  ['Identifier', 'requests'], ['Identifier', 'requests'], ['Identifier', 'accounts'], ['Identifier', 'gateway_keys'],
  ['Identifier', 'requests_rollup_1m'], ['Identifier', 'periscope_private.accounts'], ['Array(Identifier)', ['accounts']],
  ['Nullable(String)', null],
];

type Scope = readonly string[];

export class AttackGrammar {
  readonly #r: () => number;
  #params: Record<string, unknown> = {};
  #paramCount = 0;
  #hostile = false;
  /** How deep subqueries nest. */
  #maxDepth = 3;
  /** The private table name this statement's WITH subqueries take, to read it out of their scope. */
  /** How much structure a statement gets (subqueries, joins, clauses): small ones test one attack at a time. */
  #rich = 1;
  #decoy = 'accounts';
  /** The statement's FROM holds a subquery with a WITH subquery named as the decoy (its only definition, if no other is generated). */
  #plantDecoy = false;
  #injections = 0;

  constructor(seed: number, private readonly other: { projectB: string }) {
    this.#r = seededRandom(seed);
  }

  next(): Attack {
    this.#params = {};
    this.#paramCount = 0;
    if (this.#chance(0.35)) return this.#probe();
    this.#hostile = this.#chance(0.45);
    this.#maxDepth = this.#hostile ? 3 : 2;
    this.#rich = this.#hostile ? 1 : this.#pick([0.15, 0.3, 0.6, 1]);
    this.#decoy = this.#pick(PRIVATE);
    this.#plantDecoy = !this.#hostile && this.#chance(0.5);
    this.#injections = 0;
    const sql = this.#query([], 0);
    return { sql: this.#chance(0.3) ? `${this.#space()}${sql}${this.#pick([';', ' ;', '', '\n'])}` : sql, params: this.#params };
  }

  /**
   * One attack in an otherwise minimal statement, the way a person probes: the decoy defined
   * in a subquery of the FROM (most of the time), the attack in one place.
   */
  #probe(): Attack {
    this.#hostile = false;
    this.#maxDepth = 1;
    this.#rich = 0;
    this.#decoy = this.#pick(PRIVATE);
    this.#injections = 2;
    const readOf = (table: string) => `${this.#kw('SELECT')} ${this.#read(true, table)} ${this.#kw('FROM')} ${table}`;
    const read = () => `(${readOf(this.#attackTable())})`;
    const planted = `(${this.#kw('WITH')} ${this.#decoy} ${this.#kw('AS')} (${this.#kw('SELECT')} 1 ${this.#kw('AS')} y) ${this.#kw('SELECT')} y ${this.#kw('FROM')} ${this.#decoy})`;
    const from = this.#chance(0.7) ? planted : this.#pick(VIEWS);
    const attack = this.#pick([
      () => `${this.#kw('SELECT')} ${read()} ${this.#kw('AS')} x ${this.#kw('FROM')} ${from}`,
      () => `${this.#kw('SELECT')} 1 ${this.#kw('FROM')} ${from} ${this.#kw('WHERE')} ${read()} != ''`,
      () => `${this.#kw('SELECT')} arrayMap(x -> (x, ${read()}), [1]) ${this.#kw('FROM')} ${from}`,
      () => `${this.#kw('SELECT')} * ${this.#kw('FROM')} ${from} ${this.#kw('WHERE')} 'x' ${this.#kw('IN')} (${readOf(this.#attackTable())})`,
      () => `${this.#kw('SELECT')} * ${this.#kw('FROM')} ${from} ${this.#kw('WHERE')} ${this.#kw('EXISTS')} (${readOf(this.#attackTable())})`,
      () => `${this.#kw('SELECT')} ${read()} ${this.#kw('AS')} x ${this.#kw('FROM')} requests_1m ${this.#kw('AS')} m ${this.#kw('JOIN')} requests_1h ${this.#kw('AS')} h ${this.#kw('ON')} m.key_id = h.key_id, ${this.#attackTable()} ${this.#kw('AS')} raw`,
      () => `${this.#kw('SELECT')} (${this.#kw('SELECT')} ${this.#pick(['groupArray(toString(tuple(raw.*)))', 'groupArray(raw.request_body)', 'groupArray(raw.user_id)'])} ${this.#kw('FROM')} requests_1m ${this.#kw('AS')} m ${this.#kw('JOIN')} requests_1h ${this.#kw('AS')} h ${this.#kw('ON')} m.key_id = h.key_id, ${this.#attackTable()} ${this.#kw('AS')} raw) ${this.#kw('AS')} x ${this.#kw('FROM')} requests`,
      () => `${this.#kw('SELECT')} * ${this.#kw('FROM')} ${from} ${this.#kw('CROSS JOIN')} ${this.#attackTable()}`,
      () => `${readOf(this.#attackTable())} ${this.#kw('UNION ALL')} ${this.#kw('SELECT')} ${this.#read(false)} ${this.#kw('FROM')} ${from}`,
      () => `${this.#kw('SELECT')} count() ${this.#kw('OVER')} (), ${read()} ${this.#kw('FROM')} ${from} ${this.#kw('ORDER BY')} ${read()} ${this.#kw('LIMIT')} 5`,
    ])();
    return { sql: attack, params: this.#params };
  }

  #chance(p: number): boolean {
    return this.#r() < p;
  }

  /** A chance of more structure, scaled by the statement's richness. */
  #more(p: number): boolean {
    return this.#chance(p * this.#rich);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#r() * items.length)]!;
  }

  #space(): string {
    return this.#chance(0.7) ? ' ' : this.#pick(SPACES);
  }

  /** A keyword in a random case. */
  #kw(word: string): string {
    const mode = this.#r();
    if (mode < 0.6) return word;
    if (mode < 0.8) return word.toLowerCase();
    return [...word].map((c) => (this.#chance(0.5) ? c.toLowerCase() : c)).join('');
  }

  #join(...parts: string[]): string {
    return parts.filter((p) => p !== '').join(this.#space());
  }

  /** Whether to put an attack here: always in hostile statements, at most twice elsewhere. */
  #inject(p: number): boolean {
    if (this.#hostile) return this.#chance(0.5);
    if (this.#injections >= 2 || !this.#chance(p)) return false;
    this.#injections += 1;
    return true;
  }

  #query(scope: Scope, depth: number): string {
    let inner = scope;
    let withClause = '';
    // WITH at every depth, most often in subqueries, where its names are out of scope elsewhere.
    if (depth < this.#maxDepth && this.#more(depth === 0 ? 0.3 : 0.6)) {
      const ctes: string[] = [];
      for (let i = 0, n = 1 + Math.floor(this.#r() * 2); i < n; i += 1) {
        const name = this.#chance(0.7) ? this.#decoy : this.#pick(this.#hostile ? [...PRIVATE, ...VIEWS, ...RAW.slice(0, 2), 'x'] : ['x', 'y', 'raw', ...PRIVATE]);
        if (this.#chance(0.8)) ctes.push(`${name} ${this.#kw('AS')} (${this.#query(inner, depth + 1)})`);
        else ctes.push(`(${this.#scalar(inner, depth + 1)}) ${this.#kw('AS')} ${name}`);
        inner = [...inner, name];
      }
      withClause = `${this.#kw('WITH')} ${ctes.join(`,${this.#space()}`)}`;
    }
    let select = this.#select(inner, depth);
    if (depth < this.#maxDepth && this.#more(0.15)) {
      const op = this.#pick(['UNION ALL', 'UNION DISTINCT', 'INTERSECT', 'EXCEPT']);
      select = this.#join(select, this.#kw(op), this.#chance(0.5) ? this.#select(inner, depth) : `(${this.#query(scope, depth + 1)})`);
    }
    return this.#join(withClause, select);
  }

  #select(scope: Scope, depth: number): string {
    const items = Array.from({ length: this.#more(0.5) ? 2 : 1 }, () => this.#expr(scope, depth));
    const parts = [this.#kw('SELECT'), this.#chance(0.15) ? '*' : items.join(`,${this.#space()}`)];
    if (depth === 0 && this.#plantDecoy) {
      const planted = `(${this.#kw('WITH')} ${this.#decoy} ${this.#kw('AS')} (${this.#query(scope, 1)}) ${this.#kw('SELECT')} * ${this.#kw('FROM')} ${this.#decoy})`;
      parts.push(this.#kw('FROM'), this.#chance(0.5) ? planted : this.#join(this.#from(scope, depth), this.#kw('CROSS JOIN'), planted));
    } else if (this.#chance(0.85)) {
      parts.push(this.#kw('FROM'), this.#from(scope, depth));
    }
    if (this.#more(0.4)) parts.push(this.#kw('WHERE'), this.#condition(scope, depth));
    if (this.#more(0.1)) parts.push(this.#kw('GROUP BY'), '1', this.#kw('HAVING'), this.#condition(scope, depth));
    if (this.#more(0.2)) parts.push(this.#kw('ORDER BY'), this.#expr(scope, depth));
    if (this.#more(0.15)) parts.push(this.#kw('LIMIT'), this.#chance(0.6) ? '5' : `(${this.#scalar(scope, depth + 1)})`);
    return this.#join(...parts);
  }

  #from(scope: Scope, depth: number): string {
    if (this.#inject(0.08)) {
      // A comma after JOIN ... ON, which a token scan takes for part of the ON expression.
      return `requests_1m ${this.#kw('AS')} m ${this.#kw('JOIN')} requests_1h ${this.#kw('AS')} h ${this.#kw('ON')} m.key_id = h.key_id,${this.#space()}${this.#attackTable()} ${this.#kw('AS')} raw`;
    }
    let from = this.#tableExpression(scope, depth);
    for (let i = 0, n = this.#more(0.4) ? 1 + Math.floor(this.#r() * 2) : 0; i < n; i += 1) {
      const kind = this.#pick([',', 'JOIN', 'INNER JOIN', 'LEFT JOIN', 'CROSS JOIN', 'FULL OUTER JOIN', 'ARRAY JOIN', 'PASTE JOIN', 'LEFT ANY JOIN']);
      if (kind === ',') from = `${from},${this.#space()}${this.#tableExpression(scope, depth)}`;
      else if (kind === 'ARRAY JOIN') from = this.#join(from, this.#kw(kind), `[1, 2] ${this.#kw('AS')} arr`);
      else if (kind === 'CROSS JOIN' || kind === 'PASTE JOIN') from = this.#join(from, this.#kw(kind), this.#tableExpression(scope, depth));
      else from = this.#join(from, this.#kw(kind), this.#tableExpression(scope, depth), this.#kw('ON'), this.#chance(0.6) ? '1 = 1' : this.#condition(scope, depth));
    }
    return from;
  }

  #tableExpression(scope: Scope, depth: number): string {
    let table: string;
    if (this.#inject(0.15)) table = this.#attackTable();
    else if (depth < this.#maxDepth && this.#more(0.3)) table = `(${this.#query(scope, depth + 1)})`;
    else if (this.#chance(0.08)) table = 'numbers(3)';
    else table = this.#pick([...scope, ...scope, ...VIEWS, ...VIEWS]);
    if (this.#chance(0.03)) {
      const quote = this.#pick(['`', '"']);
      if (/^\w+$/.test(table)) table = `${quote}${table}${quote}`;
    }
    // Aliases equal to table names, view names or WITH subquery names.
    if (this.#chance(0.35)) table = this.#join(table, this.#chance(0.5) ? this.#kw('AS') : '', this.#pick([...VIEWS, ...PRIVATE, this.#decoy, 'raw', 'm', 'h']));
    if (this.#chance(0.05)) table = this.#join(table, this.#kw('FINAL'));
    return table;
  }

  /** A table a viewer must not read, named one of the ways an attacker would. */
  #attackTable(): string {
    const roll = this.#r();
    if (roll < 0.45) return this.#decoy;
    if (roll < 0.65) return this.#param(...this.#pick(NAME_PARAMS.slice(0, 6)));
    if (roll < 0.75) return this.#pick([...PRIVATE, ...RAW, 'requests']);
    if (roll < 0.85) return this.#pick(QUALIFIED);
    if (roll < 0.95) return this.#pick(TABLE_FUNCTIONS);
    const quote = this.#pick(['`', '"']);
    return `${quote}${this.#pick([this.#decoy, ...RAW])}${quote}`;
  }

  #column(): string {
    return this.#pick(this.#hostile ? [...SECRET_COLUMNS, ...VIEW_COLUMNS] : VIEW_COLUMNS);
  }

  /** What a subquery reads: a whole row, a secret (of `table`'s, when it is named), or a secret through an error. */
  #read(secret: boolean, table?: string): string {
    const known = table === undefined ? undefined : SECRETS_OF[table.replace(/^.*\./, '').replace(/[`"]/g, '')];
    const col = !secret ? this.#column() : known && this.#chance(0.8) ? this.#pick(known) : this.#pick(SECRET_COLUMNS);
    return this.#pick([
      'groupArray(toString(tuple(*)))', 'max(toString(tuple(*)))', 'count()', `groupArray(${col})`, `any(${col})`,
      ...(secret ? [`toUInt8(any(${col}))`, `toDate(any(${col}))`, `CAST(any(${col}) AS Int32)`, `throwIf(count() > 0, 'x')`, `toIPv4(any(${col}))`] : []),
    ]);
  }

  /** A subquery that returns one value. */
  #scalar(scope: Scope, depth: number): string {
    if (this.#inject(0.12)) {
      const table = this.#attackTable();
      return this.#join(this.#kw('SELECT'), this.#read(true, table), this.#kw('FROM'), table);
    }
    const from = depth >= this.#maxDepth ? this.#pick([...scope, ...VIEWS]) : this.#chance(0.7) ? this.#tableExpression(scope, depth) : this.#from(scope, depth);
    return this.#join(this.#kw('SELECT'), this.#read(false), this.#kw('FROM'), from);
  }

  #expr(scope: Scope, depth: number): string {
    const roll = this.#r();
    let e: string;
    if (roll < 0.3 && depth < this.#maxDepth) e = `(${this.#scalar(scope, depth + 1)})`;
    else if (roll < 0.42) e = this.#column();
    else if (roll < 0.5) e = 'toString(tuple(*))';
    else if (roll < 0.58 && depth < this.#maxDepth) e = `arrayMap(x -> (x, (${this.#scalar(scope, depth + 1)})), [1, 2])`;
    else if (roll < 0.64) e = `${this.#pick(['count()', 'row_number()', `any(${this.#column()})`, 'rank()'])} ${this.#kw('OVER')} (${this.#kw('PARTITION BY')} ${this.#column()} ${this.#kw('ORDER BY')} 1)`;
    else if (roll < 0.72) e = this.#param(...this.#pick(this.#hostile ? [...DATA_PARAMS, ...NAME_PARAMS] : DATA_PARAMS));
    else if (roll < 0.78) e = `${this.#pick(['toUInt8', 'toDate', 'toInt64', 'toIPv4', 'parseDateTimeBestEffort'])}(${this.#column()})`;
    else if (roll < 0.84) e = `'${this.other.projectB}'`;
    else e = this.#pick(['1', 'now()', "'x'", '[1, 2]', 'NULL', "map('k', 1)", '(1, 2).1']);
    return this.#chance(0.3) ? this.#join(e, this.#kw('AS'), this.#pick([...PRIVATE, ...VIEWS, 'x', 'y', this.#decoy])) : e;
  }

  #condition(scope: Scope, depth: number): string {
    const col = this.#column();
    if (this.#inject(0.1)) {
      return this.#chance(0.5) ? `${col} ${this.#kw('IN')} ${this.#attackTable()}`
        : `${this.#kw('EXISTS')} (${this.#join(this.#kw('SELECT'), this.#read(true), this.#kw('FROM'), this.#attackTable())} ${this.#kw('WHERE')} 1 = 1)`;
    }
    const roll = this.#r();
    if (roll < 0.25 && depth < this.#maxDepth) return `${col} ${this.#kw('IN')} (${this.#query(scope, depth + 1)})`;
    if (roll < 0.4 && depth < this.#maxDepth) return `${this.#kw('EXISTS')} (${this.#query(scope, depth + 1)})`;
    if (roll < 0.55) return `${col} = ${this.#param(...this.#pick(DATA_PARAMS))}`;
    if (roll < 0.7) return `project_id = '${this.other.projectB}' ${this.#kw('OR')} 1 = 1`;
    if (roll < 0.8 && depth < this.#maxDepth) return `(${this.#scalar(scope, depth + 1)}) != ''`;
    return `${col} != ''`;
  }

  /** A `{name:Type}` parameter with a value of the kind an attacker would send. */
  #param(type: string, value: unknown): string {
    const name = `p${this.#paramCount++}`;
    this.#params[name] = value;
    return `{${name}:${type}}`;
  }
}
