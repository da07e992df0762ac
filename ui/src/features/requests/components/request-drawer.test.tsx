import { describe, expect, it } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import { requestRow } from '../../../testing/fixtures.ts';
import { RequestDrawer } from './request-drawer.tsx';

const detail = requestRow({
  request_id: 'req-fallback',
  model: 'gpt-4o',
  fallback_model: 'gpt-4.1-mini',
  attempts: 2,
  attempt_log: [
    { model: 'gpt-4o', provider: 'openai', upstream_model: 'gpt-4o', status: 500, error_type: 'upstream_5xx', duration_ms: 120 },
    { model: 'gpt-4.1-mini', provider: 'openai', upstream_model: 'gpt-4.1-mini', status: 200, error_type: '', duration_ms: 480 },
  ],
  prompt_tokens: 2000, cache_read_tokens: 0, completion_tokens: 150, reasoning_tokens: 50,
  session_id: 'sess-1', session_path: '/plan', prompt_cache_expected: true, prompt_cache_hit: false,
  prompt_cache_diverged_at: 2, prompt_cache_miss_reason: 'tools[2] changed since the previous call',
});

describe('request drawer', () => {
  it('is a labelled dialog with the conversation, and Esc closes it through the URL', async () => {
    mockApi({ '/api/requests/req-fallback': () => ({ body: detail }) });
    renderWithProviders(<RequestDrawer id="req-fallback" />, { url: '/requests?request=req-fallback' });
    const dialog = await screen.findByRole('dialog', { name: 'gpt-4o' });
    expect(within(dialog).getAllByTestId('chat-message').map((m) => m.dataset.role)).toEqual(['user', 'assistant']);
    expect(document.activeElement).toBe(dialog);
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(new URLSearchParams(window.location.search).get('request')).toBeNull();
  });

  it('shows the attempts with the fallback, tokens by kind, and why the prompt cache missed', async () => {
    mockApi({ '/api/requests/req-fallback': () => ({ body: detail }) });
    renderWithProviders(<RequestDrawer id="req-fallback" />, { lang: 'en' });
    await screen.findByRole('tablist');
    fireEvent.click(screen.getByRole('tab', { name: /Attempts/ }));
    const attempts = screen.getByTestId('attempts');
    const items = within(attempts).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('upstream_5xx');
    expect(items[1]!.textContent).toContain('fallback');

    fireEvent.click(screen.getByRole('tab', { name: 'Cost' }));
    const cost = screen.getByTestId('cost-breakdown').textContent!;
    expect(cost).toContain('2,000');
    expect(cost).toContain('Reasoning');

    fireEvent.click(screen.getByRole('tab', { name: 'Cache' }));
    const cache = screen.getByTestId('cache-info').textContent!;
    expect(cache).toContain('tools[2] changed since the previous call');
    expect(cache).toContain('block #2');
  });

  it('puts a curl command without any secret in the Raw tab', async () => {
    mockApi({ '/api/requests/req-fallback': () => ({ body: { ...detail, request_body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'key sk-proj-abcdefghijklmnop1234' }] }) } }) });
    renderWithProviders(<RequestDrawer id="req-fallback" />);
    await screen.findByRole('tablist');
    fireEvent.click(screen.getByRole('tab', { name: 'Raw' }));
    const curl = screen.getByTestId('curl-preview').textContent!;
    expect(curl).toContain('$PERISCOPE_KEY');
    expect(curl).not.toContain('sk-proj-abcdefghijklmnop1234');
  });

  it('says when the request does not exist', async () => {
    mockApi({});
    renderWithProviders(<RequestDrawer id="nope" />);
    expect((await screen.findByRole('alert')).textContent).toContain('not_found');
  });
});
