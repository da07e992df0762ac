// The HTTP API's types and vocabularies (alerts, reads, SQL, keys and accounts), without the config
// schema's zod or Node's crypto: the entry point the browser bundle (ui/) imports values from.
export * from './alert-rule.ts';
export * from './channel.ts';
export * from './reads.ts';
export * from './sql.ts';
export * from './accounts.ts';
export * from './conversation.ts';
