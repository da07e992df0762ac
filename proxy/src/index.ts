export { proxyPlugin, type ProxyOptions } from './app.ts';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.ts';
export type { PeriscopeConfig, ProviderConfig } from './config/schema.ts';
export { createProxyMetrics, type ProxyMetrics } from './metrics.ts';
export { BoundedEventQueue, type EventSink, type QueueCounters } from './events/sink.ts';
export { KeySnapshot, generateGatewayKey, hashGatewayKey, type KeyVerifier, type KeyRecordLike } from './auth/gateway-keys.ts';
export { redactSecrets } from './events/redact.ts';
export { createPriceBook, type PriceBook } from './pricing/cost.ts';
