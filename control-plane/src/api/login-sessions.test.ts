import { describe, expect, it } from 'vitest';
import { LoginSessions, SESSION_MAX_AGE_S } from './login-sessions.ts';

const TOKEN = { kind: 'admin_token' } as const;
const account = (account_id: string) => ({ kind: 'account', account_id }) as const;

describe('LoginSessions', () => {
  it('answers with the subject of the ids it issued until they expire or are deleted', () => {
    let now = 1_000_000;
    const sessions = new LoginSessions(() => now);
    const id = sessions.create(TOKEN);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.get(id)).toEqual(TOKEN);
    expect(sessions.get(`${id}x`)).toBeUndefined();
    expect(sessions.get(undefined)).toBeUndefined();

    const other = sessions.create(account('a1'));
    expect(sessions.get(other)).toEqual(account('a1'));
    sessions.delete(other);
    expect(sessions.get(other)).toBeUndefined();

    now += SESSION_MAX_AGE_S * 1000;
    expect(sessions.get(id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('ends every session of one account and no other', () => {
    const sessions = new LoginSessions();
    const a = [sessions.create(account('a1')), sessions.create(account('a1'))];
    const b = sessions.create(account('a2'));
    const t = sessions.create(TOKEN);
    sessions.deleteAccount('a1');
    expect(a.map((id) => sessions.get(id))).toEqual([undefined, undefined]);
    expect(sessions.get(b)).toEqual(account('a2'));
    expect(sessions.get(t)).toEqual(TOKEN);
  });

  it('keeps only a hash of each id', () => {
    const sessions = new LoginSessions();
    const id = sessions.create(TOKEN);
    expect(JSON.stringify([...(sessions as unknown as { entries: Map<string, unknown> }).entries.keys()])).not.toContain(id);
  });

  it('drops expired sessions when creating new ones', () => {
    let now = 0;
    const sessions = new LoginSessions(() => now);
    sessions.create(TOKEN);
    sessions.create(TOKEN);
    now = SESSION_MAX_AGE_S * 1000 + 1;
    sessions.create(TOKEN);
    expect(sessions.size).toBe(1);
  });
});
