import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { openChdbDriver } from './driver/chdb.ts';
import { createStore } from './open-store.ts';
import { storeContract } from './testing/store-contract.ts';

describe('Store on embedded chDB', () => {
  storeContract(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'periscope-chdb-'));
    const driver = await openChdbDriver(dataDir);
    return {
      store: createStore(driver),
      driver,
      dispose: async () => {
        await driver.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });
});
