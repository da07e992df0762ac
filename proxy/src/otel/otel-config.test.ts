import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { LiveConfig } from '../config/live-config.ts';
import { tracesUrl } from './tracer.ts';

describe('otel: config', () => {
  it('is off unless an endpoint is set, with content capture off', () => {
    const c = parseConfig({}, {});
    expect(c.otel.endpoint).toBeUndefined();
    expect(c.otel).toMatchObject({ protocol: 'http/protobuf', capture_content: false, sampling: { ratio: 1, parent_based: true } });
  });

  it('expands ${ENV} in headers, like the rest of the config', () => {
    const c = parseConfig({ otel: { endpoint: 'https://cloud.langfuse.com/api/public/otel', headers: { authorization: 'Basic ${LF_AUTH}' } } }, { LF_AUTH: 'cGs6c2s=' });
    expect(c.otel.headers).toEqual({ authorization: 'Basic cGs6c2s=' });
  });

  it('names the bad path', () => {
    expect(() => parseConfig({ otel: { endpoint: 'ftp://x' } }, {})).toThrow(/otel\.endpoint/);
    expect(() => parseConfig({ otel: { protocol: 'grpc' } }, {})).toThrow(/otel\.protocol/);
    expect(() => parseConfig({ otel: { sampling: { ratio: 2 } } }, {})).toThrow(/otel\.sampling\.ratio/);
    expect(() => parseConfig({ otel: { headers: { 'bad header': 'x' } } }, {})).toThrow(/otel\.headers/);
  });

  it('adds /v1/traces to a bare collector address and keeps a full one', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://cloud.langfuse.com/api/public/otel/v1/traces')).toBe('https://cloud.langfuse.com/api/public/otel/v1/traces');
  });

  it('is restart-only: a reload keeps the running otel section and says so', () => {
    const live = new LiveConfig(parseConfig({ otel: { endpoint: 'http://a:4318' } }, {}));
    expect(live.replace(parseConfig({ otel: { endpoint: 'http://b:4318' } }, {}))).toContain('otel');
    expect(live.current.otel.endpoint).toBe('http://a:4318');
  });
});
