// The HTTP API's alert vocabularies and types, without the config schema's zod or Node's crypto:
// the entry point the browser bundle (ui/) imports values from.
export * from './alert-rule.ts';
export * from './channel.ts';
