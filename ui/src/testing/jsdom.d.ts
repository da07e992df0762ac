// The ui package has jsdom 26 without @types/jsdom; only what the test environment uses.
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string, options?: Record<string, unknown>);
    readonly window: Window & typeof globalThis & { close(): void };
  }
}
