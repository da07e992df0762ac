import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { ruleScope } from '../limits/limit-rules.ts';
import { hashGatewayKey } from '@periscope/contract';
import { KeySnapshot } from './gateway-keys.ts';
import { checkModelsAllowed, keyLimitRule } from './key-access.ts';

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return err as GatewayError;
  }
  return undefined;
};

describe('a key\'s allowed models', () => {
  it('allows everything when the list is empty', () => {
    expect(refusal(() => checkModelsAllowed([], ['anything'], 'chat.completions'))).toBeUndefined();
    expect(refusal(() => checkModelsAllowed([], [], 'passthrough'))).toBeUndefined();
  });

  it('matches exact names and prefixes ending in *', () => {
    const allowed = ['gpt-4o-mini', 'claude-3-5-*'];
    expect(refusal(() => checkModelsAllowed(allowed, ['gpt-4o-mini'], 'chat.completions'))).toBeUndefined();
    expect(refusal(() => checkModelsAllowed(allowed, ['claude-3-5-haiku-latest'], 'messages'))).toBeUndefined();
    const err = refusal(() => checkModelsAllowed(allowed, ['gpt-4o'], 'chat.completions'));
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'model_not_allowed', status: 403, param: 'model' });
    expect(err!.message).toContain('"gpt-4o"');
    expect(refusal(() => checkModelsAllowed(allowed, ['gpt-4o-mini-2024'], 'chat.completions'))?.code).toBe('model_not_allowed');
  });

  it('checks every model the client names, its own fallbacks included', () => {
    expect(refusal(() => checkModelsAllowed(['gpt-4o-mini'], ['gpt-4o-mini', 'o1'], 'chat.completions'))?.message).toContain('"o1"');
  });

  it('lets a restricted key list models but not make calls that name none', () => {
    expect(refusal(() => checkModelsAllowed(['gpt-4o-mini'], [], 'models'))).toBeUndefined();
    expect(refusal(() => checkModelsAllowed(['gpt-4o-mini'], [], 'passthrough'))?.code).toBe('model_not_allowed');
  });
});

describe('a key\'s limits as a rule', () => {
  it('is a rule that matches only this key, or nothing without limits', () => {
    expect(keyLimitRule('k1', undefined)).toBeUndefined();
    expect(keyLimitRule('k1', {})).toBeUndefined();
    expect(keyLimitRule('k1', { budget_usd: {} })).toBeUndefined();
    const rule = keyLimitRule('k1', { rpm: 5, budget_usd: { day: 2 } })!;
    expect(rule).toMatchObject({ match: { key: 'k1' }, rpm: 5, budget_usd: { day: 2 }, soft_threshold: 0.8 });
    const subject = { project: 'p', user: '', model: 'm', session: '' };
    expect(ruleScope(rule, { ...subject, key: 'k1' })).toBeDefined();
    expect(ruleScope(rule, { ...subject, key: 'k2' })).toBeUndefined();
  });

  it('counts the same across snapshot refreshes (the counter is named by the rule\'s content)', () => {
    const subject = { key: 'k1', project: 'p', user: '', model: 'm', session: '' };
    expect(ruleScope(keyLimitRule('k1', { rpm: 5 })!, subject)).toBe(ruleScope(keyLimitRule('k1', { rpm: 5 })!, subject));
    expect(ruleScope(keyLimitRule('k1', { rpm: 5 })!, subject)).not.toBe(ruleScope(keyLimitRule('k1', { rpm: 6 })!, subject));
  });
});

describe('KeySnapshot', () => {
  const secret = Buffer.from('snapshot-secret');
  const record = (key: string, o: object = {}) => ({
    key_id: `id-${key}`, project_id: 'p', key_hash: hashGatewayKey(secret, key), expires_at: null, revoked_at: null, ...o,
  });

  it('verifies live keys with their restrictions, and refuses revoked and expired ones', () => {
    const snapshot = new KeySnapshot(secret);
    const now = Date.now();
    snapshot.replace([
      record('psk_live', { allowed_models: ['gpt-4o-mini'], limits: { rpm: 3 } }),
      record('psk_revoked', { revoked_at: now - 1 }),
      record('psk_expired', { expires_at: now - 1 }),
      record('psk_later', { expires_at: now + 60_000 }),
      record('psk_old_cache'),
    ]);
    expect(snapshot.verify('psk_live', now)).toMatchObject({ key_id: 'id-psk_live', project_id: 'p', allowed_models: ['gpt-4o-mini'], limit: { match: { key: 'id-psk_live' }, rpm: 3 } });
    expect(snapshot.verify('psk_revoked', now)).toBeNull();
    expect(snapshot.verify('psk_expired', now)).toBeNull();
    expect(snapshot.verify('psk_later', now)).not.toBeNull();
    expect(snapshot.verify('psk_later', now + 60_000)).toBeNull();
    expect(snapshot.verify('psk_unknown', now)).toBeNull();
    // A snapshot cached on disk by an older version has neither field: no restriction.
    expect(snapshot.verify('psk_old_cache', now)).toMatchObject({ allowed_models: [], limit: undefined });
  });
});
