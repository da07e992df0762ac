import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { openServerDriver } from './driver/server.ts';
import { createStore } from './open-store.ts';
import { storeContract } from './testing/store-contract.ts';

const serverUrl = process.env.PERISCOPE_CLICKHOUSE_URL;

if (!serverUrl) {
  console.log(
    '[@periscope/clickhouse] SKIPPED the server-driver contract suite: PERISCOPE_CLICKHOUSE_URL is not set. ' +
      'No ClickHouse server can be installed on this machine; set it to e.g. http://localhost:8123 to run it.',
  );
}

describe.skipIf(!serverUrl)('Store on a ClickHouse server', () => {
  storeContract(async () => {
    // A database of its own makes "fresh database" true and leaves the server as it was.
    const database = `periscope_test_${randomUUID().replaceAll('-', '')}`;
    const admin = await openServerDriver(serverUrl!);
    await admin.exec('CREATE DATABASE {database:Identifier}', { database });
    const url = new URL(serverUrl!);
    url.pathname = `/${database}`;
    const driver = await openServerDriver(url.toString());
    return {
      store: createStore(driver),
      driver,
      dispose: async () => {
        await driver.close();
        await admin.exec('DROP DATABASE IF EXISTS {database:Identifier}', { database });
        await admin.close();
      },
    };
  });
});
