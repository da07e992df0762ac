import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { vi } from 'vitest';
import { I18nProvider, type Lang } from '../lib/i18n/index.tsx';

/** Renders inside fresh providers at `url` (path + query string). */
export function renderWithProviders(ui: ReactElement, { url = '/', lang = 'en' as Lang } = {}) {
  window.history.replaceState(null, '', url);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: 0 } } });
  return {
    client,
    ...render(
      <QueryClientProvider client={client}>
        <I18nProvider initial={lang}>{ui}</I18nProvider>
      </QueryClientProvider>,
    ),
  };
}

export interface Call {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

type Handler = (call: Call) => { status?: number; body: unknown } | undefined;

/**
 * Stubs fetch with handlers keyed by path; records every call. Unknown paths answer 404
 * in the API's error shape.
 */
export function mockApi(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const call: Call = {
      method: init.method ?? 'GET', url, headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const key = Object.keys(routes).filter((p) => url.pathname === p || (p.endsWith('*') && url.pathname.startsWith(p.slice(0, -1)))).sort((a, b) => b.length - a.length)[0];
    const res = key ? routes[key]!(call) : undefined;
    const status = res?.status ?? (res ? 200 : 404);
    const body = res ? res.body : { error: { code: 'not_found', message: `no mock for ${url.pathname}` } };
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}
