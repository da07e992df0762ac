/* global Headers */
// Preloaded into Portkey's gateway (node --import) by the bench. Portkey 1.15 appends its own
// headers to the upstream's fetch Response, whose headers are immutable on Node 20's fetch, so
// every streamed call fails with "TypeError: immutable" (Portkey-AI/gateway issues 1389, 1550).
// Turning those header writes into no-ops lets the stream through unchanged; nothing else changes.
for (const method of ['append', 'set', 'delete']) {
  const original = Headers.prototype[method];
  Headers.prototype[method] = function guarded(...args) {
    try {
      return original.apply(this, args);
    } catch (err) {
      if (err instanceof TypeError && err.message === 'immutable') return undefined;
      throw err;
    }
  };
}
