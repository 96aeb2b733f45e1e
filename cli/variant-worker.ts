/**
 * A worker thread of `variant-pool.ts`: runs the variants it is sent, one at a time
 * (`variant-run.ts`), and answers with the result or the error by name and message.
 */
import { enableCompileCache } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { VariantRequest, WorkerAnswer } from './variant-pool.ts';

// The code a worker loads is the code the command loaded already: V8's cache of it is there to use.
enableCompileCache?.();
const { runVariantRequest } = await import('./variant-run.ts');

const port = parentPort;
if (!port) throw new Error('cli/variant-worker.ts runs as a worker thread of cli/variant-pool.ts');

port.on('message', ({ id, request }: { id: number; request: VariantRequest }) => {
  void runVariantRequest(request).then(
    (run) => port.postMessage({ id, run } satisfies WorkerAnswer),
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      port.postMessage({
        id,
        error: {
          name: failure.name,
          message: failure.message,
          ...(failure.stack !== undefined ? { stack: failure.stack } : {}),
        },
      } satisfies WorkerAnswer);
    },
  );
});
