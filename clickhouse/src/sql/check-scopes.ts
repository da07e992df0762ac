import { StoreError } from '../errors.ts';
import { isAllowedFunction } from './allowed-functions.ts';
import { attribute, type TreeItem } from './query-tree.ts';
import { SQL_VIEWS, viewNamed } from './views.ts';

const reject = (message: string): never => {
  throw new StoreError('sql_rejected', message);
};

type Position = 'table' | 'expression';

/**
 * The sections of the engine's query tree, with what their children are. A table position
 * holds a table expression (a name, a subquery, a table function, a join); everything else
 * holds expressions. A section not listed is refused, so syntax a later engine adds stays
 * refused until it is reviewed here.
 */
const SECTIONS: Readonly<Record<string, Position>> = {
  'JOIN TREE': 'table', 'TABLE EXPRESSION': 'table', 'LEFT TABLE EXPRESSION': 'table', 'RIGHT TABLE EXPRESSION': 'table',
  PROJECTION: 'expression', PREWHERE: 'expression', WHERE: 'expression', 'GROUP BY': 'expression', HAVING: 'expression',
  WINDOW: 'expression', QUALIFY: 'expression', 'ORDER BY': 'expression', INTERPOLATE: 'expression',
  'LIMIT BY LIMIT': 'expression', 'LIMIT BY OFFSET': 'expression', 'LIMIT BY': 'expression', LIMIT: 'expression',
  OFFSET: 'expression', QUERIES: 'expression', ARGUMENTS: 'expression', PARAMETERS: 'expression', EXPRESSION: 'expression',
  'JOIN EXPRESSION': 'expression', 'JOIN EXPRESSIONS': 'expression', 'PARTITION BY': 'expression',
  'FRAME BEGIN OFFSET': 'expression', 'FRAME END OFFSET': 'expression', 'FILL FROM': 'expression', 'FILL TO': 'expression',
  'FILL STEP': 'expression', 'FILL STALENESS': 'expression', INTERPOLATE_EXPRESSION: 'expression',
  REPLACEMENTS: 'expression', 'REPLACEMENT NAME': 'expression',
};

/** Nodes that read nothing by themselves; their children are checked like any other. */
const STRUCTURAL_NODES = new Set([
  'LIST', 'CONSTANT', 'LAMBDA', 'SORT', 'WINDOW', 'INTERPOLATE', 'JOIN', 'CROSS JOIN', 'ARRAY_JOIN', 'MATCHER',
  'EXCEPT COLUMN TRANSFORMER', 'REPLACE COLUMN TRANSFORMER',
]);

/** Table functions a report may read from: pure generators. */
const TABLE_FUNCTIONS = new Set(['numbers']);
const IN_FUNCTIONS = new Set(['in', 'notIn', 'nullIn', 'notNullIn']);
/** What a query without FROM reads; the lexer refuses `system.` in the text, so only the engine writes it. */
const NO_TABLE = 'system.one';

const VIEW_LIST = SQL_VIEWS.map((v) => v.name).join(', ');

/**
 * The sandbox's analysis of a statement, on the engine's own query tree before any analysis
 * pass ran (`EXPLAIN QUERY TREE run_passes = 0`: parsed, nothing resolved, nothing evaluated).
 * The statement is the caller's wrapped in `WITH <views> SELECT * FROM (...) LIMIT n` (scope.ts); the
 * wrapper is checked to be exactly that, and the caller's part must satisfy:
 *
 * - every table expression, in every scope (FROM, every kind of JOIN including comma joins,
 *   subqueries in any clause, IN, EXISTS, lambdas, CTE bodies), is a report view or a WITH
 *   subquery visible at that point (its own query or an enclosing one), a subquery, or
 *   numbers(); no name is qualified by a database;
 * - no WITH subquery takes a view's name, and none is recursive;
 * - functions come from the allow-list; `IN name` is refused (it would read a table);
 * - no SETTINGS, no APPLY, no node kind or section this check does not know;
 * - the private database is not named anywhere, as a table, a column's qualifier or an alias.
 */
export function checkQueryTree(root: TreeItem, privateDatabase: string): void {
  const userQuery = checkWrapper(root);
  new ScopeCheck(privateDatabase).query(userQuery, new Set(SQL_VIEWS.map((v) => v.name)));
}

/** The wrapper scope.ts builds around the caller's SQL; returns the caller's query. */
function checkWrapper(root: TreeItem): TreeItem {
  const unexpected = () => reject('The query could not be analysed: it must be one SELECT statement.');
  if (!root.isNode || root.name !== 'QUERY' || root.attributes !== '') unexpected();
  const sections = root.children.map((s) => s.name);
  if (sections.join('|') !== 'WITH|PROJECTION|JOIN TREE|LIMIT') unexpected();
  const [withSection, projection, joinTree] = root.children as [TreeItem, TreeItem, TreeItem];
  const ctes = withSection.children[0]?.children ?? [];
  if (ctes.map((c) => attribute(c, 'cte_name')).join(',') !== SQL_VIEWS.map((v) => v.name).join(',')) unexpected();
  const star = projection.children[0]?.children ?? [];
  if (star.length !== 1 || attribute(star[0]!, 'matcher_type') !== 'ASTERISK' || star[0]!.children.length > 0) unexpected();
  if (joinTree.children.length !== 1) unexpected();
  const user = joinTree.children[0]!;
  if (!user.isNode || !['QUERY', 'UNION'].includes(user.name) || attribute(user, 'is_subquery') !== '1' || attribute(user, 'alias') !== undefined) unexpected();
  return user;
}

class ScopeCheck {
  constructor(private readonly privateDatabase: string) {}

  /** A QUERY or UNION node with the WITH subqueries visible where it stands. */
  query(node: TreeItem, visible: ReadonlySet<string>): void {
    if (node.name === 'UNION') {
      for (const section of node.children) this.item(section, visible, 'expression');
      return;
    }
    if (attribute(node, 'is_recursive_with') === '1') reject('WITH RECURSIVE is not allowed in reports.');
    this.names(attribute(node, 'alias'));
    const withSection = node.children.find((s) => !s.isNode && s.name === 'WITH');
    const elements = withSection?.children[0]?.children ?? [];
    const ctes = elements.filter((e) => attribute(e, 'is_cte') === '1');
    const own = new Set(ctes.map((cte) => this.cteName(cte)));
    const scope = new Set([...visible, ...own]);
    for (const element of elements) {
      if (ctes.includes(element)) {
        // A WITH subquery does not see itself: in its own body its name is an enclosing one, if any.
        const name = attribute(element, 'cte_name')!;
        const inner = new Set(scope);
        if (!visible.has(name)) inner.delete(name);
        this.query(element, inner);
      } else {
        this.item(element, scope, 'expression');
      }
    }
    for (const section of node.children) if (section !== withSection) this.item(section, scope, 'expression');
  }

  private cteName(cte: TreeItem): string {
    const name = attribute(cte, 'cte_name');
    if (!name) return reject('The query could not be analysed (a WITH subquery without a name).');
    if (viewNamed(name)) reject(`A WITH subquery cannot be named ${name}: that is a view.`);
    this.names(name);
    return name;
  }

  private item(item: TreeItem, scope: ReadonlySet<string>, position: Position): void {
    if (!item.isNode) {
      if (item.name === 'SETTINGS') reject('SETTINGS clauses are not allowed: the server sets the limits of report queries.');
      const inner = SECTIONS[item.name];
      if (!inner) reject(`Unsupported syntax (${item.name}).`);
      for (const child of item.children) this.item(child, scope, inner!);
      return;
    }
    this.names(attribute(item, 'alias'));
    switch (item.name) {
      case 'QUERY':
      case 'UNION':
        this.query(item, scope);
        return;
      case 'IDENTIFIER':
        if (position === 'table') this.table(attribute(item, 'identifier'), scope);
        else this.names(attribute(item, 'identifier'));
        break;
      case 'TABLE_FUNCTION': {
        const name = attribute(item, 'table_function_name') ?? '';
        if (!TABLE_FUNCTIONS.has(name)) reject(`Table function ${name}() is not allowed: reports read the views ${VIEW_LIST}.`);
        break;
      }
      case 'FUNCTION':
        this.function(item);
        break;
      case 'APPLY COLUMN TRANSFORMER':
        reject('APPLY is not allowed; call the function on the columns instead.');
        break;
      case 'MATCHER':
        this.names(attribute(item, 'qualified_identifier'));
        break;
      default:
        if (!STRUCTURAL_NODES.has(item.name)) reject(`Unsupported syntax (${item.name}).`);
    }
    for (const child of item.children) this.item(child, scope, position);
  }

  private table(name: string | undefined, scope: ReadonlySet<string>): void {
    if (name === undefined) return reject('The query could not be analysed (a table without a name).');
    if (name === NO_TABLE) return;
    this.names(name);
    if (name.includes('.')) reject(`Table ${name}: database-qualified names are not allowed; reports read the views ${VIEW_LIST}.`);
    if (!scope.has(name)) reject(`Unknown table ${name}: reports read the views ${VIEW_LIST} (and the WITH subqueries of the query or of an enclosing one).`);
  }

  private function(item: TreeItem): void {
    const name = attribute(item, 'function_name') ?? '';
    if (!isAllowedFunction(name)) reject(`Function ${name}() is not allowed in reports.`);
    if (IN_FUNCTIONS.has(name)) {
      const args = item.children.find((s) => !s.isNode && s.name === 'ARGUMENTS')?.children[0]?.children ?? [];
      if (args[1]?.name === 'IDENTIFIER') reject('IN needs a list or a subquery: write IN (SELECT ... FROM ...).');
    }
  }

  /** Names the statement uses anywhere: none may be the private database. */
  private names(name: string | undefined): void {
    if (name === undefined) return;
    if (name.split('.').some((part) => part.toLowerCase() === this.privateDatabase.toLowerCase())) {
      reject(`${this.privateDatabase} holds what reports may never read (accounts, keys, alert rules, saved reports).`);
    }
  }
}
