/** The part of the session JSON Claude Code pipes to a status-line command that this one reads. */
interface StatusInput {
  session_id?: string;
}

interface OwnSession {
  cost_usd: number;
  cost_without_cache_usd: number | null;
  cache_hit_rate: number;
  budget_left_usd: number | null;
}

export interface StatusLineOptions {
  stdin: string;
  env: NodeJS.ProcessEnv;
  /** Overrides ANTHROPIC_BASE_URL. */
  url?: string;
  timeoutMs?: number;
}

const usd = (n: number) => `$${n < 10 ? n.toFixed(4) : n.toFixed(2)}`;

/**
 * One line for Claude Code's status line: the session's cost, its prompt-cache hit rate, what
 * caching saved and the per-session budget left, from the Periscope this Claude Code talks to
 * (ANTHROPIC_BASE_URL) with the gateway key it already uses. Never fails: a status line that
 * errors would only blank the bar, so problems are printed as the line.
 */
export async function statusLine(o: StatusLineOptions): Promise<string> {
  let input: StatusInput = {};
  try {
    input = JSON.parse(o.stdin || '{}') as StatusInput;
  } catch {
    return 'Periscope: no session JSON on stdin';
  }
  const base = (o.url ?? o.env.ANTHROPIC_BASE_URL ?? '').replace(/\/+$/, '');
  const key = o.env.ANTHROPIC_AUTH_TOKEN ?? o.env.ANTHROPIC_API_KEY ?? o.env.PERISCOPE_GATEWAY_KEY;
  if (!base || !key) return 'Periscope: set ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN (pnpm periscope connect claude-code)';
  if (!input.session_id) return 'Periscope: waiting for a session';
  try {
    const res = await fetch(`${base}/api/agents/own-session?session_id=${encodeURIComponent(input.session_id)}`, {
      headers: { authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(o.timeoutMs ?? 1500),
    });
    if (!res.ok) return `Periscope: ${res.status === 401 ? 'the gateway key was refused' : `HTTP ${res.status}`}`;
    const s = (await res.json()) as OwnSession;
    const parts = [`Periscope ${usd(s.cost_usd)}`, `cache ${Math.round(s.cache_hit_rate * 100)}%`];
    if (s.cost_without_cache_usd !== null && s.cost_without_cache_usd > s.cost_usd) parts.push(`saved ${usd(s.cost_without_cache_usd - s.cost_usd)}`);
    if (s.budget_left_usd !== null) parts.push(`${usd(s.budget_left_usd)} left`);
    return parts.join(' · ');
  } catch (err) {
    return `Periscope: unreachable (${(err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message})`;
  }
}
