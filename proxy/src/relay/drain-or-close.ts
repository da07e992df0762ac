/** What waitForDrainOrClose needs of a response (ServerResponse). */
export interface DrainOrClose {
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Resolves once the client's socket drained or the response closed, with no listener left
 * behind: a stream to a slow client waits for many drains, and one 'close' listener kept per
 * wait grew without bound (Node warned past ten; helper-66).
 */
export function waitForDrainOrClose(res: DrainOrClose): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
