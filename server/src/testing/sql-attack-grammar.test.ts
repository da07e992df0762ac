import { describe, expect, it } from 'vitest';
import { AttackGrammar } from './sql-attack-grammar.ts';

describe('AttackGrammar', () => {
  const sample = (seed: number, n: number) => {
    const grammar = new AttackGrammar(seed, { projectB: 'p-other' });
    return Array.from({ length: n }, () => grammar.next());
  };

  it('generates the same statements for the same seed, and others for another', () => {
    expect(sample(7, 50)).toEqual(sample(7, 50));
    expect(sample(8, 50)).not.toEqual(sample(7, 50));
  });

  it('covers every place a table can stand and every trick it names, in a suite-sized sample', () => {
    const text = sample(20261202, 1500).map((a) => a.sql).join('\n');
    const features: Record<string, RegExp> = {
      'WITH subquery named like a private table': /with (accounts|gateway_keys|reports) as \(/i,
      'nested WITH': /\(\s*with\s/i,
      'scalar subquery in SELECT': /select\s+\(\s*select/i,
      'subquery in FROM': /from\s+\(\s*(select|with)/i,
      'comma join': /,\s*(requests|accounts|\(select|numbers)/i,
      'explicit joins': /left join|inner join|full outer join|cross join|paste join|left any join/i,
      'ARRAY JOIN': /array join/i,
      'IN subquery': /\bin \(/i,
      'IN a name': /\bin (?!\()[`"{a-z]/i,
      'a WITH subquery name read out of its scope': /from (accounts|gateway_keys|alert_rules|alert_states|alert_events|leases|reports|report_runs)\b/i,
      'a comma join after JOIN ... ON': /ON m\.key_id = h\.key_id,/i,
      EXISTS: /exists \(/i,
      lambda: /x -> /,
      'window function': /over \(partition by/i,
      'set operations': /union all|union distinct|intersect|except/i,
      'table functions': /merge\(|file\(|view\(|mergeTreeIndex\(|url\(/,
      'database-qualified names': /periscope_private\.|default\.|system\./,
      'quoted names': /[`"](requests|accounts|gateway_keys)[`"]/,
      'Identifier parameters': /:Identifier\}/,
      'comments and odd whitespace': /\/\* note \*\/|-- note\n|\t/,
      'error channels': /toUInt8\(|throwIf\(/,
      'aliases equal to table names': /as (accounts|requests|gateway_keys)\b/i,
      'keywords in mixed case': /\b(sElEcT|SeLeCt|sELECT|Select|seLect|selEct)\b|\bfrom\b/,
    };
    for (const [feature, pattern] of Object.entries(features)) expect(pattern.test(text), feature).toBe(true);
  });
});
