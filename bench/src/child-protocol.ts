import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Content pieces per mock stream (the mock is started with this `chunkCount`). */
export const STREAM_CHUNKS = 10;

/** What a bench child process reports about itself: measured inside it, so the load generator's own work is not counted. */
export interface ProcessStats {
  /** Cumulative process.cpuUsage() in microseconds. */
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
}

export type ParentMessage = { id: number; op: 'stats' } | { id: number; op: 'finish' };
export type ChildMessage =
  | { type: 'ready'; url: string; info?: Record<string, unknown> }
  | { type: 'reply'; id: number; stats: ProcessStats; extra?: Record<string, unknown> }
  | { type: 'failed'; error: string };

export function currentStats(): ProcessStats {
  const cpu = process.cpuUsage();
  return { cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss };
}

/** Answers the parent's requests; `finish` may add extra data (the gateway flushes its event queue first). */
export function serveParent(ready: { url: string; info?: Record<string, unknown> }, onFinish?: () => Promise<Record<string, unknown>>): void {
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (raw: ParentMessage) => {
    if (raw.op === 'stats') send({ type: 'reply', id: raw.id, stats: currentStats() });
    else void (onFinish?.() ?? Promise.resolve({})).then((extra) => send({ type: 'reply', id: raw.id, stats: currentStats(), extra }));
  });
  // The parent going away (Ctrl-C, crash) must not leave a gateway holding a chDB lock.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', ...ready });
}

export interface ChildHandle {
  url: string;
  info: Record<string, unknown>;
  pid: number;
  stats(): Promise<ProcessStats>;
  finish(): Promise<{ stats: ProcessStats; extra: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts `bench/src/<file>` in its own Node process (TypeScript through tsx) and waits for `ready`. */
export async function startChild(file: string, args: string[] = []): Promise<ChildHandle> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const child: ChildProcess = fork(path, args, {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (m: Extract<ChildMessage, { type: 'reply' }>) => void>();
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'failed') reject(new Error(`${file}: ${m.error}`));
      else pending.get(m.id)?.(m);
    });
  });
  const ask = (op: ParentMessage['op']) => new Promise<Extract<ChildMessage, { type: 'reply' }>>((resolve) => {
    const id = nextId++;
    pending.set(id, (m) => {
      pending.delete(id);
      resolve(m);
    });
    child.send({ id, op } satisfies ParentMessage);
  });
  return {
    url: ready.url,
    info: ready.info ?? {},
    pid: child.pid ?? -1,
    stats: async () => (await ask('stats')).stats,
    finish: async () => {
      const m = await ask('finish');
      return { stats: m.stats, extra: m.extra ?? {} };
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
