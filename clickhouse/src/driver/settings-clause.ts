import type { QuerySettings } from './driver.ts';

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Per-query settings as a trailing SETTINGS clause, for chDB, which takes them no other way.
 * The values are the server's own (limits, output options), checked here anyway so that a
 * mistake cannot turn into SQL.
 */
export function settingsClause(settings: QuerySettings): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return '';
  return `\nSETTINGS ${entries.map(([name, value]) => `${checkedName(name)} = ${literal(value)}`).join(', ')}`;
}

function checkedName(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)}`);
  return name;
}

function literal(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`invalid setting value ${value}`);
    return String(value);
  }
  if (!/^[A-Za-z0-9_.:/ -]*$/.test(value)) throw new Error(`invalid setting value ${JSON.stringify(value)}`);
  return `'${value}'`;
}
