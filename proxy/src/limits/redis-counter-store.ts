import type { Redis } from 'ioredis';
import type { AdmitEntry, AdmitResult, CounterAdd, CounterStore } from './counter-store.ts';

/**
 * ARGV: now, then per key: kind (c|l), and for a counter need, add, limit, ttl; for a lease
 * member, limit, leaseMs. Checks every entry, then applies all or none. Leases are a sorted
 * set scored by expiry, so a proxy that dies holding one frees it after leaseMs.
 */
const ADMIT = `
local now = tonumber(ARGV[1])
local values = {}
local a = 2
local args = {}
for i = 1, #KEYS do
  local kind = ARGV[a]
  if kind == 'c' then
    local need, add, limit, ttl = tonumber(ARGV[a+1]), tonumber(ARGV[a+2]), tonumber(ARGV[a+3]), tonumber(ARGV[a+4])
    local cur = tonumber(redis.call('GET', KEYS[i]) or '0')
    if cur + need > limit then return {i - 1, cur} end
    args[i] = {kind, add, ttl, cur}
    a = a + 5
  else
    local member, limit, lease = ARGV[a+1], tonumber(ARGV[a+2]), tonumber(ARGV[a+3])
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    local held = redis.call('ZCARD', KEYS[i])
    if held + 1 > limit then return {i - 1, held} end
    args[i] = {kind, member, lease, held}
    a = a + 4
  end
end
local out = {-1, 0}
for i = 1, #KEYS do
  local x = args[i]
  if x[1] == 'c' then
    local v = x[4]
    if x[2] ~= 0 then
      v = redis.call('INCRBY', KEYS[i], x[2])
      if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], x[3]) end
    end
    out[#out + 1] = v
  else
    redis.call('ZADD', KEYS[i], now + x[3], x[2])
    redis.call('PEXPIRE', KEYS[i], x[3])
    out[#out + 1] = x[4] + 1
  end
end
return out
`;

const ADD = `
local out = {}
for i = 1, #KEYS do
  local v = redis.call('INCRBY', KEYS[i], ARGV[2 * i - 1])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
  out[i] = v
end
return out
`;

type Scripted = Redis & {
  periscopeAdmit(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  periscopeAdd(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
};

/**
 * Counters shared by every proxy on one Redis. Values are integers (dollars are counted in
 * micro-dollars by the caller). Keys live under one prefix; a Redis Cluster would need them
 * in one hash slot, which this store does not arrange (one Redis, or a primary/replica pair).
 */
export class RedisCounterStore implements CounterStore {
  readonly kind = 'redis';
  readonly #redis: Scripted;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'periscope:limits:') {
    redis.defineCommand('periscopeAdmit', { lua: ADMIT });
    redis.defineCommand('periscopeAdd', { lua: ADD });
    this.#redis = redis as Scripted;
    this.#prefix = prefix;
  }

  async admit(entries: AdmitEntry[]): Promise<AdmitResult> {
    if (entries.length === 0) return { ok: true, values: [] };
    const keys = entries.map((e) => this.#prefix + e.key);
    const args: (string | number)[] = [Date.now()];
    for (const e of entries) {
      if (e.kind === 'counter') args.push('c', Math.ceil(e.need), Math.round(e.add), Math.floor(e.limit), Math.ceil(e.ttlMs));
      else args.push('l', e.member, e.limit, Math.ceil(e.leaseMs));
    }
    const [index, value, ...values] = (await this.#redis.periscopeAdmit(keys.length, ...keys, ...args)).map(Number);
    if (index! >= 0) return { ok: false, index: index!, value: value! };
    return { ok: true, values };
  }

  async add(adds: CounterAdd[]): Promise<number[]> {
    if (adds.length === 0) return [];
    const keys = adds.map((a) => this.#prefix + a.key);
    const args = adds.flatMap((a) => [Math.round(a.amount), Math.ceil(a.ttlMs)]);
    return (await this.#redis.periscopeAdd(keys.length, ...keys, ...args)).map(Number);
  }

  async release(key: string, member: string): Promise<void> {
    await this.#redis.zrem(this.#prefix + key, member);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
