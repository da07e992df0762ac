import type { AlertRuleRecord } from '../alerts.ts';
import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';
import { toDateTime64 } from './datetime.ts';
import { integer, invalid, text } from './validate.ts';

type Numeric = number | string;

interface RawRule {
  rule_id: string;
  version: Numeric;
  project_id: string;
  name: string;
  enabled: boolean | number;
  deleted: boolean | number;
  spec: string;
  created_at_ms: Numeric;
  created_by: string;
  updated_at_ms: Numeric;
  updated_by: string;
}

const RULE_SELECT = `rule_id, version, project_id, name, enabled, deleted, spec, created_by, updated_by,
  toUnixTimestamp64Milli(created_at) AS created_at_ms, toUnixTimestamp64Milli(updated_at) AS updated_at_ms`;

/**
 * Every version is its own row (the table is a plain MergeTree), so a rule's history of
 * changes stays readable; the current rule is its highest version. Two writers racing to
 * the same version are told apart by updated_at, newest wins.
 */
const LATEST = 'ORDER BY rule_id, version DESC, updated_at DESC LIMIT 1 BY rule_id';

export async function saveAlertRule(driver: Driver, rule: AlertRuleRecord): Promise<void> {
  text('rule_id', rule.rule_id);
  if (rule.rule_id === '') throw invalid('rule_id must not be empty');
  integer('version', rule.version, 4_294_967_295);
  await driver.insertJSONEachRow(privateTable(driver, 'alert_rules'), [{
    rule_id: rule.rule_id,
    version: rule.version,
    project_id: rule.project_id,
    name: rule.name,
    enabled: rule.enabled,
    deleted: rule.deleted,
    spec: rule.spec,
    created_at: toDateTime64(rule.created_at),
    created_by: rule.created_by,
    updated_at: toDateTime64(rule.updated_at),
    updated_by: rule.updated_by,
  }]);
}

/** The current version, or null when there is none or the newest is a deletion. */
export async function getAlertRule(driver: Driver, ruleId: string): Promise<AlertRuleRecord | null> {
  const [raw] = await driver.query<RawRule>(
    `SELECT ${RULE_SELECT} FROM ${privateTable(driver, 'alert_rules')} WHERE rule_id = {ruleId:String} ${LATEST}`,
    { ruleId },
  );
  return raw && !Number(raw.deleted) ? toRule(raw) : null;
}

/** Current versions of the rules that are not deleted, of the given projects ('' = rules on every project), by name. */
export async function listAlertRules(driver: Driver, projectIds?: string[]): Promise<AlertRuleRecord[]> {
  const rows = await driver.query<RawRule>(
    `SELECT * FROM (SELECT ${RULE_SELECT} FROM ${privateTable(driver, 'alert_rules')} ${LATEST})
     WHERE NOT deleted ${projectIds ? 'AND project_id IN {projectIds:Array(String)}' : ''}
     ORDER BY name, rule_id`,
    projectIds ? { projectIds } : {},
  );
  return rows.map(toRule);
}

/** Every version of one rule, newest first (deletions included). */
export async function listAlertRuleVersions(driver: Driver, ruleId: string): Promise<AlertRuleRecord[]> {
  const rows = await driver.query<RawRule>(
    `SELECT ${RULE_SELECT} FROM ${privateTable(driver, 'alert_rules')} WHERE rule_id = {ruleId:String} ORDER BY version DESC, updated_at DESC`,
    { ruleId },
  );
  return rows.map(toRule);
}

function toRule(raw: RawRule): AlertRuleRecord {
  return {
    rule_id: raw.rule_id,
    version: Number(raw.version),
    project_id: raw.project_id,
    name: raw.name,
    enabled: Boolean(Number(raw.enabled)),
    deleted: Boolean(Number(raw.deleted)),
    spec: raw.spec,
    created_at: Number(raw.created_at_ms),
    created_by: raw.created_by,
    updated_at: Number(raw.updated_at_ms),
    updated_by: raw.updated_by,
  };
}
