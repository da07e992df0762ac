import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { detachOneArrayBuffer } from './array-buffer-detaching.ts';

const INVALIDATED = 'Invalidating protector cell ArrayBufferDetaching';

/**
 * What V8 reports in a fresh plain-Node process (its protectors are process-wide, and tsx's
 * loader spends this one as it starts) running the function's own text, or not running it.
 */
const traced = (call: boolean): string => execFileSync(process.execPath, ['--trace-protector-invalidation', '-e', `
const detach = (${detachOneArrayBuffer.toString()});
console.log('before');
${call ? 'detach();' : ''}
console.log('after');
`], { encoding: 'utf8' });

// Its place in the gateway's start: server/src/cli/compiled-start.int.test.ts (the compiled CLI, no tsx).
describe('detachOneArrayBuffer', () => {
  it('spends V8\'s ArrayBufferDetaching protector at once, so no later detach drops optimized code', () => {
    const out = traced(true);
    expect(out.indexOf(INVALIDATED), out).toBeGreaterThan(out.indexOf('before'));
    expect(out.indexOf(INVALIDATED), out).toBeLessThan(out.indexOf('after'));
  });

  it('is what spends it: a plain process that does not call it keeps it', () => {
    expect(traced(false)).not.toContain(INVALIDATED);
  });
});
