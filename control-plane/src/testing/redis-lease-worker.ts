/**
 * A worker process contending for a Redis lease, for the lease test: every 100 ms it calls
 * ensure() and prints `lead <ms>` or `follow <ms>`. Arguments: redis URL, lease name, holder, TTL ms.
 */
import { createRedisClient } from '@periscope/proxy';
import { RedisLease } from '../alerts/lease/redis-lease.ts';

const [url, name, holder, ttl] = process.argv.slice(2) as [string, string, string, string];
const lease = new RedisLease(await createRedisClient({ url }), name, holder, Number(ttl));
setInterval(() => {
  void lease.ensure().then((lead) => process.stdout.write(`${lead ? 'lead' : 'follow'} ${Date.now()}\n`), () => process.stdout.write(`error ${Date.now()}\n`));
}, 100);
