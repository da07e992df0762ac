import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import { renderWithProviders } from '../../../testing/render.tsx';
import { parseConversation } from '@periscope/contract/api';
import { ChatMessages } from './chat-messages.tsx';

function renderChat(endpoint: string, request: unknown, response: string, lang: 'en' | 'zh' = 'en') {
  const c = parseConversation(endpoint, JSON.stringify(request), response);
  return renderWithProviders(<ChatMessages conversation={c} requestTruncated={false} responseTruncated={false} />, { lang });
}

describe('chat rendering', () => {
  it('renders an OpenAI conversation with a tool call and its result', () => {
    renderChat('chat.completions', {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    }, JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'It is sunny.' } }] }));
    const messages = screen.getAllByTestId('chat-message');
    expect(messages.map((m) => m.dataset.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(messages[1]!.textContent).toContain('Weather in Paris?');
    const call = within(messages[2]!).getByTestId('tool-call');
    expect(call.textContent).toContain('get_weather');
    expect(call.textContent).toContain('"city": "Paris"');
    expect(within(messages[3]!).getByTestId('tool-result').textContent).toContain('sunny');
    expect(messages[4]!.textContent).toContain('It is sunny.');
  });

  it('renders an Anthropic conversation with tool_use and an error tool_result, in Chinese', () => {
    renderChat('messages', {
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Find flights' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'search_flights', input: { to: 'SFO' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'timeout', is_error: true }] },
      ],
    }, JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'The search timed out.' }] }), 'zh');
    const messages = screen.getAllByTestId('chat-message');
    expect(messages.map((m) => m.dataset.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(messages[0]!.textContent).toContain('系统');
    expect(within(messages[2]!).getByTestId('tool-call').textContent).toContain('search_flights');
    const result = within(messages[3]!).getByTestId('tool-result');
    expect(result.textContent).toContain('timeout');
    expect(result.textContent).toContain('出错');
    expect(screen.getByText('响应')).toBeTruthy();
  });
});
