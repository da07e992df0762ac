/**
 * Detaches one empty ArrayBuffer. V8 keeps a process-wide promise that no ArrayBuffer has ever
 * been detached (its "ArrayBufferDetaching" protector) and compiles typed-array and Buffer code
 * that leans on it; the first detach anywhere in the process throws all of that code away at
 * once. undici's HTTP/1 parser detaches the buffer of its WebAssembly memory when that memory
 * grows, once some 700-1,000 upstream connections are open at the same time: `periscope start`
 * in the bench met it in the middle of its first wave of 1,000 streams, where 89 optimized
 * functions (Node's streams, timers and Buffer code, undici's parser callbacks, the relay's own)
 * were dropped at once and compiled again under load (docs/benchmarks.md, "`start`'s first
 * wave, the JIT and the upstream connections"). Called as a gateway starts, before anything is
 * optimized, it costs nothing; code optimized afterwards checks for detached buffers, as it
 * does in any process that ever detached one.
 */
export function detachOneArrayBuffer(): void {
  const buffer = new ArrayBuffer(0);
  structuredClone(buffer, { transfer: [buffer] });
}
