import { describe, expect, it } from 'vitest';
import { DeploymentStats } from './deployment-stats.ts';

const cooldown = { failures: 3, cooldown_ms: 1000 };

describe('DeploymentStats (passive health)', () => {
  it('takes a deployment out after consecutive failures, lets one probe through after the cooldown, and restores it on success', () => {
    let now = 0;
    const stats = new DeploymentStats(() => now);
    for (let i = 0; i < 2; i++) {
      stats.started('a');
      stats.ended('a');
      stats.failed('a', cooldown);
    }
    expect(stats.available('a')).toBe(true);
    stats.failed('a', cooldown);
    expect(stats.available('a')).toBe(false);
    now = 1000;
    expect(stats.available('a')).toBe(true);
    stats.started('a'); // the probe
    expect(stats.available('a')).toBe(false);
    stats.succeeded('a', 40);
    stats.ended('a');
    expect(stats.available('a')).toBe(true);
    expect(stats.cooldownUntil('a')).toBe(0);
  });

  it('sends a failed probe straight back into cooldown', () => {
    let now = 0;
    const stats = new DeploymentStats(() => now);
    for (let i = 0; i < 3; i++) stats.failed('a', cooldown);
    now = 1500;
    stats.started('a');
    stats.ended('a');
    stats.failed('a', cooldown);
    expect(stats.available('a')).toBe(false);
    expect(stats.cooldownUntil('a')).toBe(2500);
  });

  it('a success resets the failure run; in-flight counts and latency are tracked', () => {
    const stats = new DeploymentStats(() => 0);
    stats.failed('a', cooldown);
    stats.failed('a', cooldown);
    stats.succeeded('a', 100);
    stats.failed('a', cooldown);
    expect(stats.available('a')).toBe(true);
    stats.started('a');
    stats.started('a');
    expect(stats.inflight('a')).toBe(2);
    stats.succeeded('a', 200);
    expect(stats.latencyMs('a')).toBe(120);
  });
});
