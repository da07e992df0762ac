import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Content pieces per mock answer (the mock's `-chunks`). */
export const STREAM_CHUNKS = 10;
/** The mock's pause between SSE frames: streams stay open ~0.25 s upstream, so many are open at once. */
export const FRAME_INTERVAL_MS = 20;

export type ParentMessage = { id: number; op: 'finish' };
export type ChildMessage =
  | { type: 'ready'; url: string; info?: Record<string, unknown> }
  | { type: 'reply'; id: number; extra?: Record<string, unknown> }
  | { type: 'failed'; error: string };

/** Answers the parent's `finish` with what `onFinish` returns (a store scenario runs then). */
export function serveParent(ready: { url: string; info?: Record<string, unknown> }, onFinish?: () => Promise<Record<string, unknown>>): void {
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (raw: ParentMessage) => {
    void (onFinish?.() ?? Promise.resolve({})).then((extra) => send({ type: 'reply', id: raw.id, extra }));
  });
  // The parent going away (Ctrl-C, crash) must not leave a child holding a chDB lock.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', ...ready });
}

export interface ChildHandle {
  url: string;
  info: Record<string, unknown>;
  pid: number;
  finish(): Promise<{ extra: Record<string, unknown> }>;
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
    finish: async () => ({ extra: (await ask('finish')).extra ?? {} }),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
