import type { DeclaredParam, ParamValues } from '../api/types.ts';

// `{name:Type}` outside quotes is a parameter; the server's lexer is the authority, this only drives the form.
const PARAM = /'(?:\\.|''|[^'\\])*'|\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_(), ']+?)\s*\}/g;

/** The parameters a statement declares, first occurrence of each name. */
export function paramsIn(sql: string): DeclaredParam[] {
  const seen = new Map<string, DeclaredParam>();
  for (const m of sql.matchAll(PARAM)) {
    if (m[1] && !seen.has(m[1])) seen.set(m[1], { name: m[1], type: m[2]! });
  }
  return [...seen.values()];
}

/** A starting value: the last 7 days for from/to times (relative, so a saved report stays current), else empty. */
export function defaultValue(p: DeclaredParam): string {
  if (/^(Date|DateTime)/.test(p.type)) {
    if (p.name === 'from' || p.name === 'start') return 'today-7d';
    if (p.name === 'to' || p.name === 'end') return 'now';
  }
  return '';
}

/** The form's values for these parameters: kept where known, defaults for new ones, none for removed ones. */
export function valuesFor(params: DeclaredParam[], current: ParamValues): ParamValues {
  return Object.fromEntries(params.map((p) => [p.name, current[p.name] ?? defaultValue(p)]));
}
