import { StoreError } from '../errors.ts';
import { ALLOWED_FUNCTIONS_BY_CATEGORY, CASE_INSENSITIVE_FUNCTIONS } from './allowed-functions.ts';
import { walk, type AstNode } from './explain-ast.ts';
import { SQL_VIEWS, viewNamed } from './views.ts';

const reject = (message: string): never => {
  throw new StoreError('sql_rejected', message);
};

/** Node kinds of a SELECT that read nothing by themselves; anything else is refused. */
const ALLOWED_KINDS = new Set([
  'SelectWithUnionQuery', 'SelectIntersectExceptQuery', 'SelectQuery', 'ExpressionList', 'TablesInSelectQuery',
  'TablesInSelectQueryElement', 'TableExpression', 'TableIdentifier', 'TableJoin', 'ArrayJoin', 'Subquery', 'WithElement',
  'Identifier', 'Literal', 'Function', 'Asterisk', 'QualifiedAsterisk', 'ColumnsRegexpMatcher', 'ColumnsListMatcher',
  'QualifiedColumnsRegexpMatcher', 'QualifiedColumnsListMatcher', 'ColumnsTransformerList', 'ColumnsExceptTransformer',
  'ColumnsReplaceTransformer', 'ColumnsReplaceTransformer::Replacement', 'OrderByElement', 'WindowListElement',
  'WindowDefinition', 'SampleRatio', 'QueryParameter', 'Interpolate', 'InterpolateElement',
]);

/** Table functions a report may read from: pure generators. */
const TABLE_FUNCTIONS = new Set(['numbers']);

/** Aggregate combinators (sumIf, quantilesTDigestMerge, uniqExactState, ...), longest first. */
const COMBINATORS = ['SimpleState', 'MergeState', 'OrDefault', 'Resample', 'Distinct', 'ForEach', 'OrNull', 'ArgMin', 'ArgMax', 'State', 'Merge', 'Array', 'Map', 'If'];

/**
 * Names the parser itself produces for syntax (x -> y, EXISTS, GROUPING) and for a
 * `{name:Type}` parameter (_CAST): not in the allowed categories.
 */
const SYNTAX_FUNCTIONS = new Set(['lambda', 'exists', 'grouping', 'untuple', '_CAST']);

const IN_FUNCTIONS = new Set(['in', 'notIn', 'nullIn', 'notNullIn']);

const ALLOWED = new Set(Object.values(ALLOWED_FUNCTIONS_BY_CATEGORY).flatMap((names) => names.split(/\s+/).filter(Boolean)));
const AGGREGATES = new Set((ALLOWED_FUNCTIONS_BY_CATEGORY['Aggregate Functions'] ?? '').split(/\s+/).filter(Boolean));

export function isAllowedFunction(name: string): boolean {
  if (ALLOWED.has(name) || SYNTAX_FUNCTIONS.has(name) || CASE_INSENSITIVE_FUNCTIONS.has(name.toLowerCase())) return true;
  return isAggregateWithCombinators(name);
}

function isAggregateWithCombinators(name: string): boolean {
  for (const suffix of COMBINATORS) {
    if (name.length > suffix.length && name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (AGGREGATES.has(base) || CASE_INSENSITIVE_FUNCTIONS.has(base.toLowerCase()) && AGGREGATES.has(base.toLowerCase()) || isAggregateWithCombinators(base)) return true;
    }
  }
  return false;
}

/** The engine's view of the statement: names of the tables it reads, by TableIdentifier. */
export interface AstFacts {
  tableNames: Set<string>;
}

/**
 * Walks the engine's parse of the statement: one SELECT (no FORMAT, no INTO OUTFILE, no
 * SETTINGS), node kinds that read nothing by themselves, tables that are the views or the
 * statement's own CTEs, table functions that only generate numbers, and functions from
 * the allow-list.
 */
export function checkAst(root: AstNode, cteNames: Set<string>): AstFacts {
  if (root.kind !== 'SelectWithUnionQuery') reject('Only SELECT queries are allowed.');
  if (root.children.length !== 1) reject('FORMAT and INTO OUTFILE clauses are not allowed.');
  for (const cte of cteNames) {
    if (viewNamed(cte)) reject(`A WITH subquery cannot be named ${cte}: that is a view.`);
  }

  const tableNames = new Set<string>();
  for (const { node, parent } of walk(root)) {
    if (node.kind === 'Set') reject('SETTINGS clauses are not allowed: the server sets the limits of report queries.');
    if (node.kind === 'ColumnsApplyTransformer') reject('APPLY is not allowed; call the function on the columns instead.');
    if (!ALLOWED_KINDS.has(node.kind)) reject(`Unsupported syntax (${node.kind}).`);

    if (node.kind === 'TableIdentifier') {
      const name = node.label;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) reject(`Table ${name}: quoted or database-qualified table names are not allowed.`);
      if (!viewNamed(name) && !cteNames.has(name)) {
        reject(`Unknown table ${name}: reports read the views ${SQL_VIEWS.map((v) => v.name).join(', ')} (and their own WITH subqueries).`);
      }
      tableNames.add(name);
    }
    if (node.kind === 'Function') {
      const name = node.label;
      if (parent?.kind === 'TableExpression') {
        if (!TABLE_FUNCTIONS.has(name)) reject(`Table function ${name}() is not allowed: reports read the views ${SQL_VIEWS.map((v) => v.name).join(', ')}.`);
      } else if (!isAllowedFunction(name)) {
        reject(`Function ${name}() is not allowed in reports.`);
      }
      if (IN_FUNCTIONS.has(name)) {
        const right = node.children[0]?.children[1];
        if (right?.kind === 'Identifier') reject('IN needs a list or a subquery: write IN (SELECT ... FROM ...).');
      }
    }
  }
  return { tableNames };
}
