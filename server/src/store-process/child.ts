/**
 * Entry of the store process that `periscope start` forks (see store-process.ts): waits for
 * its start message, runs the store server, and talks to the gateway process over IPC. When
 * the gateway process goes away (even by SIGKILL) it takes in what the spool holds for a
 * moment and exits, so a restarted Periscope can open the data directory.
 */
import type { FromStore, ToStore } from './protocol.ts';
import { startStoreServer, type StoreServer } from './run-store.ts';
import { runInBackground } from '@periscope/proxy';

const send = (m: FromStore) => {
  if (process.connected) process.send!(m);
};

/** An orphaned store process drains this long before it releases the data directory. */
const ORPHAN_DRAIN_MS = 2000;

let server: StoreServer | undefined;
let stopping: Promise<void> | undefined;

function stop(drainMs: number): void {
  stopping ??= (async () => {
    try {
      await server?.stop(drainMs);
    } finally {
      process.exit(0);
    }
  })();
}

process.on('message', (m: ToStore) => {
  if (m.type === 'start') {
    // Before the engine starts its threads, which inherit it: the gateway's calls come first.
    const fellShort = runInBackground(m.config.logging.background_priority);
    if (fellShort) console.warn(`periscope store process: ${fellShort}`);
    startStoreServer({
      dataDir: m.dataDir, config: m.config, configFile: m.configFile, uiDir: m.uiDir, socket: m.socket,
      onKeys: (records) => send({ type: 'keys', records }),
    }).then((started) => {
      server = started;
      send({ type: 'ready', firstRun: started.firstRun });
    }, (err: Error) => {
      send({ type: 'failed', error: err.message, locked: err.name === 'StoreLockedError' });
      process.exit(1);
    });
  } else if (m.type === 'listening') server?.setPublicUrl(m.url);
  else if (m.type === 'metrics') void server?.metrics().then((metrics) => send({ type: 'metrics', id: m.id, metrics }));
  else stop(m.drainMs);
});
process.on('disconnect', () => stop(ORPHAN_DRAIN_MS));
// The gateway process stops this one itself (after its own calls ended); a terminal's Ctrl-C reaches both.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => stop(ORPHAN_DRAIN_MS));
