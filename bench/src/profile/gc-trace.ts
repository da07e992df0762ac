/**
 * Pauses from V8's `--trace-gc` lines, e.g.
 * `[123:0x55…]  1234 ms: Scavenge 18.4 (19.5) -> 17.9 (23.5) MB, 0.61 / 0.00 ms  (average mu …) allocation failure;`
 * The first figure after the sizes is the main thread's pause.
 */
const LINE = /^\[(\d+):0x[0-9a-f]+\]\s+\d+ ms: ([A-Za-z -]+?)(?: \([a-z ]+\))? [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms/;

export interface GcSummary {
  count: number;
  /** Pauses by collector: Scavenge, Mark-Compact, Minor Mark-Compact, … */
  byKind: Record<string, { count: number; pauseMs: number }>;
  totalPauseMs: number;
  maxPauseMs: number;
}

/** GC pauses of process `pid` in `text` (a slice of its log); other lines are ignored. */
export function summarizeGcTrace(text: string, pid: number): GcSummary {
  const out: GcSummary = { count: 0, byKind: {}, totalPauseMs: 0, maxPauseMs: 0 };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || Number(m[1]) !== pid) continue;
    const kind = m[2]!.trim();
    const pause = Number(m[3]);
    const k = (out.byKind[kind] ??= { count: 0, pauseMs: 0 });
    k.count += 1;
    k.pauseMs += pause;
    out.count += 1;
    out.totalPauseMs += pause;
    out.maxPauseMs = Math.max(out.maxPauseMs, pause);
  }
  return out;
}
