export { startEmbedded, type EmbeddedOptions, type EmbeddedServer } from './server.ts';
export { startIngestRole, type IngestRole, type IngestRoleOptions } from './roles/ingest-role.ts';
export { startProxyRole, type ProxyRole, type ProxyRoleOptions } from './roles/proxy-role.ts';
export { createHttpServer } from './http-server.ts';
