import { Agent, request } from 'undici';

/** What a crash test's clients saw: the calls answered completely, and the ones cut off. */
export interface LoadOutcome {
  answered: string[];
  failed: number;
}

/**
 * 16 clients calling a gateway as fast as they can (a third of the calls streamed) until
 * `stopAfter()` says so or the process dies; a call counts as answered only with status 200
 * and its whole body read (a stream through `data: [DONE]`).
 */
export async function loadUntilDeath(url: string, key: string, stopAfter: () => boolean): Promise<LoadOutcome> {
  const agent = new Agent({ connections: 16 });
  const answered: string[] = [];
  let failed = 0;
  let n = 0;
  const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'crash test' }] });
  const stream = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'crash test' }] });
  async function client(): Promise<void> {
    while (!stopAfter()) {
      const streamed = n++ % 3 === 0;
      try {
        const res = await request(`${url}/v1/chat/completions`, {
          method: 'POST', dispatcher: agent, body: streamed ? stream : chat,
          headers: { 'periscope-auth': `Bearer ${key}`, 'content-type': 'application/json' },
        });
        const text = await res.body.text();
        if (res.statusCode === 200 && (!streamed || text.includes('data: [DONE]'))) answered.push(String(res.headers['periscope-request-id']));
        else failed += 1;
      } catch {
        failed += 1; // the process died under this call: not answered
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, client));
  await agent.close().catch(() => undefined);
  return { answered, failed };
}

/** Every request id the API lists for a project, page by page. */
export async function storedIds(apiUrl: string, project: string, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor = ''; ;) {
    const res = await fetch(`${apiUrl}/api/requests?project=${project}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers });
    const page = (await res.json()) as { data: { request_id: string }[]; next_cursor: string | null };
    ids.push(...page.data.map((r) => r.request_id));
    if (!page.next_cursor) return ids;
    cursor = page.next_cursor;
  }
}

/**
 * Calls counted by the overview's KPIs, whose whole minutes and hours come from the rollups:
 * rows the API shows once could still be counted twice there (a batch inserted again).
 */
export async function summaryCount(apiUrl: string, project: string, headers: Record<string, string>): Promise<number> {
  const from = new Date(Date.now() - 3 * 3600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const res = await fetch(`${apiUrl}/api/metrics/summary?project=${project}&from=${from}&to=${to}`, { headers });
  const body = (await res.json()) as { current: { requests: number } };
  return body.current.requests;
}
