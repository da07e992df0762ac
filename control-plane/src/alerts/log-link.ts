import type { AlertGroupBy } from '@periscope/clickhouse';
import type { RuleFilter } from '@periscope/contract';

/**
 * A link to the web UI's request log showing the calls a notification is about: the rule's
 * filters, the group's value, and the judged window, in the log's own URL parameters
 * (ui/src/lib/request-filters.ts: filter names as the API's, `property.<key>`, from/to in ms).
 */
export function logLink(base: string, o: { filter: RuleFilter; project: string | null; groupBy: AlertGroupBy[]; group: string; from: number; to: number }): string {
  const params = new URLSearchParams();
  if (o.project) params.set('project', o.project);
  for (const [name, value] of Object.entries(o.filter)) params.set(name, value);
  const values = o.groupBy.length > 1 ? o.group.split(' / ') : [o.group];
  o.groupBy.forEach((column, i) => {
    const value = values[i];
    if (!value) return;
    if (column === 'project_id') params.set('project', value);
    else if (column === 'status_class') params.set('status_class', value.replace(/xx$/, ''));
    else if (column.startsWith('property:')) params.set(`property.${column.slice('property:'.length)}`, value);
    else params.set(column, value);
  });
  params.set('from', String(Math.floor(o.from)));
  params.set('to', String(Math.ceil(o.to)));
  return `${base.replace(/\/+$/, '')}/requests?${params.toString()}`;
}
