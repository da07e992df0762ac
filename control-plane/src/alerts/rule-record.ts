import type { AlertRuleRecord } from '@periscope/clickhouse';
import { maskChannel, type SecretBox } from './channels/index.ts';
import type { AlertRule, RuleDefinition } from '@periscope/contract';

/** The store row of a rule: the definition as JSON in `spec`, channel secrets sealed. */
export function toRecord(rule: AlertRule, box: SecretBox, deleted = false): AlertRuleRecord {
  const { id, version, name, project, enabled, created_at, created_by, updated_at, updated_by, ...definition } = rule;
  const spec: RuleDefinition = { ...definition, channels: definition.channels.map((c) => box.seal(c)) };
  return {
    rule_id: id, version, project_id: project ?? '', name, enabled, deleted, spec: JSON.stringify(spec),
    created_at, created_by, updated_at, updated_by,
  };
}

/** The rule with channel secrets in clear: for the evaluator and for updates, never for a response. */
export function fromRecord(record: AlertRuleRecord, box: SecretBox): AlertRule {
  const spec = JSON.parse(record.spec) as RuleDefinition;
  return {
    ...spec,
    channels: spec.channels.map((c) => box.open(c)),
    id: record.rule_id,
    version: record.version,
    name: record.name,
    project: record.project_id === '' ? null : record.project_id,
    enabled: record.enabled,
    created_at: record.created_at,
    created_by: record.created_by,
    updated_at: record.updated_at,
    updated_by: record.updated_by,
  };
}

/** A rule as the API shows it: secrets masked, times as ISO-8601. */
export function ruleResponse(rule: AlertRule) {
  return {
    ...rule,
    channels: rule.channels.map(maskChannel),
    created_at: new Date(rule.created_at).toISOString(),
    updated_at: new Date(rule.updated_at).toISOString(),
  };
}
