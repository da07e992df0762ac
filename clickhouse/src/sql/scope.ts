import { quoteName } from '../quote-name.ts';
import { PROJECTS_PARAM, ROW_CAP_PARAM, SQL_VIEWS } from './views.ts';

/** A user's statement as it runs: inside a wrapper that gives the view names their meaning. */
export interface ScopedStatement {
  sql: string;
  /** Characters before the user's text (which starts a line), to report the engine's positions in the user's terms. */
  userOffset: number;
}

/**
 * Wraps the user's SQL (checked to close every bracket it opens) as a subquery of a statement
 * whose WITH clause defines each view name as the project-scoped view bound to the projects
 * parameter, and whose LIMIT is the result's row cap; only the server sets either parameter:
 *
 *     WITH requests AS (SELECT * FROM db.periscope_sql_requests(periscope_projects = {...})), ...
 *     SELECT * FROM (
 *     <the user's SQL>
 *     ) LIMIT {periscope_row_cap:UInt64}
 *
 * (The `limit` setting would cut the result as exactly, but chDB 3.4 then fails on an ORDER BY
 * inside the subquery: "Not found column ... in block".)
 *
 * Nothing in the user's text is rewritten: the engine itself resolves every `requests` in every
 * scope (subqueries in any clause, joins, the user's own WITH subqueries) to the enclosing
 * definition, exactly as it resolves any other name. The sandbox's analysis of the engine's
 * query tree refuses every table name that is not a view or a WITH subquery visible where it
 * stands; and on the embedded engine, a name that slipped past it would resolve in an empty
 * database rather than reach a table.
 */
export function scopeToProjects(userSql: string, database: string): ScopedStatement {
  const views = SQL_VIEWS.map((v) => `${v.name} AS (SELECT * FROM ${quoteName(database)}.${v.engineView}(${PROJECTS_PARAM} = {${PROJECTS_PARAM}:Array(String)}))`);
  const prefix = `WITH ${views.join(', ')} SELECT * FROM (\n`;
  return { sql: `${prefix}${userSql}\n) LIMIT {${ROW_CAP_PARAM}:UInt64}`, userOffset: prefix.length };
}
