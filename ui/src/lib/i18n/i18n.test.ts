import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { zh } from './zh.ts';
import { translate } from './index.tsx';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('has a Chinese string for every English key, and no extra ones', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(zh)) expect(v.trim(), k).not.toBe('');
  });

  it('uses the same placeholders in both languages', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) expect(placeholders(zh[k]), k).toEqual(placeholders(en[k]));
  });

  it('has real Chinese, not copied English', () => {
    const chinese = Object.values(zh).filter((v) => /[\u4e00-\u9fff]/.test(v));
    // Only a few strings are legitimately the same in both (e.g. "TTFT p95").
    expect(chinese.length / Object.keys(zh).length).toBeGreaterThan(0.95);
  });

  it('fills variables', () => {
    expect(translate('en', 'requests.shown', { count: '1,200' })).toBe('1,200 requests loaded');
    expect(translate('zh', 'requests.shown', { count: 3 })).toBe('已加载 3 条请求');
  });
});
