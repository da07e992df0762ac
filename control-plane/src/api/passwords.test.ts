import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { checkNewPassword, hashPassword, PASSWORD_MIN_LENGTH, startDecoyHash, verifyPassword } from './passwords.ts';

describe('account passwords (scrypt)', () => {
  it('stores scrypt with its parameters, a random salt and a 32-byte hash, and verifies it', async () => {
    const t0 = performance.now();
    const hash = await hashPassword('correct horse battery');
    const ms = performance.now() - t0;
    const parts = hash.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64url')).toHaveLength(32);
    expect(hash).not.toContain('correct horse');
    console.log(`scrypt N=2^15 r=8 p=1: ${ms.toFixed(0)} ms per hash`);

    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery ', hash)).toBe(false);
    expect(await verifyPassword('Correct horse battery', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash, so equal passwords get different hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password!', b)).toBe(true);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const hash = await hashPassword('caf\u00e9 au lait 密码');
    expect(await verifyPassword('cafe\u0301 au lait 密码', hash)).toBe(true);
  });

  it('honours the parameters stored with a hash, so they can be raised later', async () => {
    const hash = await hashPassword('parameters move');
    const [, , , , salt] = hash.split('$');
    const { scryptSync } = await import('node:crypto');
    const weaker = ['scrypt', 1024, 8, 1, salt, scryptSync('parameters move', Buffer.from(salt!, 'base64url'), 32, { N: 1024, r: 8, p: 1 }).toString('base64url')].join('$');
    expect(await verifyPassword('parameters move', weaker)).toBe(true);
  });

  it('refuses malformed hashes and parameters that would stall the server, without computing them', async () => {
    const good = await hashPassword('a good password');
    const [, , , , salt, key] = good.split('$');
    for (const bad of [
      '', 'scrypt$test', 'bcrypt$2b$10$abc', `scrypt$1000$8$1$${salt}$${key}`, `scrypt$${2 ** 22}$8$1$${salt}$${key}`,
      `scrypt$${2 ** 15}$64$1$${salt}$${key}`, `scrypt$${2 ** 15}$8$99$${salt}$${key}`, `scrypt$${2 ** 15}$8$1$$${key}`, `scrypt$${2 ** 15}$8$1$${salt}$`,
    ]) {
      const t0 = performance.now();
      expect(await verifyPassword('a good password', bad), bad).toBe(false);
      expect(performance.now() - t0).toBeLessThan(50);
    }
    expect(await verifyPassword('x'.repeat(2000), good)).toBe(false);
  });

  it('checks new passwords for length in characters', () => {
    expect(checkNewPassword('ten chars!')).toBe('ten chars!');
    expect(checkNewPassword('密码密码密码密码密码')).toHaveLength(PASSWORD_MIN_LENGTH);
    for (const bad of ['short', '', 'x'.repeat(1025), 12345678901, undefined]) {
      expect(() => checkNewPassword(bad)).toThrow(ApiError);
    }
  });

  it('makes decoy hashes that no password is likely to match, each with its own salt', async () => {
    const [a, b] = await Promise.all([startDecoyHash(), startDecoyHash()]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('', a)).toBe(false);
    expect(await verifyPassword('password123', a)).toBe(false);
  });
});
