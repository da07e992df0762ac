import { statusLine } from '../statusline.ts';
import { env, option } from '../options.ts';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}


export async function statuslineCommand(values: Record<string, unknown>): Promise<void> {
  console.log(await statusLine({ stdin: await readStdin(), env, url: option(values, 'url') }));
}
