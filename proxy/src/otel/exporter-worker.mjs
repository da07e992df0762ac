// The exporter thread's entry: the gateway runs TypeScript through tsx, whose loader a worker
// thread does not inherit, so it is registered here before the real module is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./exporter-thread.ts');
