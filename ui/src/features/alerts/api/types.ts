/** The alert rule model as `/api/alerts` speaks it; the vocabularies come from the contract (contract/src/api/alert-rule.ts). */
import type { AlertMetric, BudgetMatch, BudgetPeriodName as BudgetPeriod, BudgetRef, Comparator, Delivery, RuleDefinition, Severity } from '@periscope/contract/api';

export type { AlertMetric, BudgetMatch, BudgetPeriod, Comparator, Delivery, Severity };
export type AlertState = 'ok' | 'firing' | 'resolved';

export interface SmtpSettings {
  host: string;
  port?: number;
  secure?: boolean;
  starttls?: 'required' | 'opportunistic' | 'never';
  user?: string;
  password?: string;
  from: string;
  reject_unauthorized?: boolean;
}

export type Channel =
  | { type: 'webhook'; url: string; secret?: string }
  | { type: 'slack'; url: string }
  | { type: 'email'; to: string[]; smtp?: SmtpSettings };

/**
 * What a client sends to create or update a rule: the rule's definition, with the token kind as
 * the editor holds it, the window optional (budget rules watch their period), and the UI's
 * channel shape (SMTP fields optional: the server fills in the defaults).
 */
export interface AlertRuleInput extends Omit<RuleDefinition, 'token_kind' | 'budget' | 'window' | 'channels'> {
  name: string;
  project: string | null;
  enabled: boolean;
  token_kind?: string;
  budget?: BudgetRef;
  window?: string;
  channels: Channel[];
  /** On update: the version read, so a concurrent change is refused (409). */
  version?: number;
}

export interface AlertGroupState {
  group: string;
  state: AlertState;
  value: number | null;
  since: string;
}

export interface AlertRule extends Required<Omit<AlertRuleInput, 'token_kind' | 'budget' | 'version'>> {
  id: string;
  version: number;
  token_kind?: string;
  budget?: { match: BudgetMatch; period: BudgetPeriod };
  window: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  /** firing when any group fires. */
  state: AlertState;
  groups: AlertGroupState[];
}

export interface AlertEvent {
  id: string;
  at: string;
  kind: 'firing' | 'resolved' | 'renotify' | 'test';
  state: 'firing' | 'resolved';
  group: string;
  value: number | null;
  threshold: number;
  rule_version: number;
  /** null while the notification is being sent. */
  deliveries: Delivery[] | null;
}

export interface BudgetInfo {
  match: BudgetMatch;
  period: BudgetPeriod;
  limit_usd: number;
  soft_threshold: number;
}

export interface AlertPreview {
  from: string;
  to: string;
  groups: Array<{ group: string; value: number | null; requests: number; breaching: boolean }>;
}
