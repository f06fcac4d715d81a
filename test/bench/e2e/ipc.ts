/**
 * The request/reply messages between the orchestrator and its child processes (service,
 * receiver) over the Node IPC channel, and a bounded `request` helper for the parent side.
 */
import type { ChildProcess } from 'node:child_process';

export interface IpcRequest {
  readonly id: number;
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface IpcReply {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly [key: string]: unknown;
}

let nextId = 1;

/** Sends `{ type, ...fields }` and resolves with the child's reply, or rejects after `timeoutMs`. */
export function request<T extends IpcReply = IpcReply>(
  child: ChildProcess,
  type: string,
  fields: Record<string, unknown>,
  timeoutMs: number,
): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const reply = message as IpcReply;
      if (reply && typeof reply === 'object' && reply.id === id) {
        cleanup();
        if (reply.ok) resolve(reply as T);
        else reject(new Error(`${type} failed in child: ${reply.error ?? 'unknown error'}`));
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`child exited before answering ${type}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer to ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send({ id, type, ...fields } satisfies IpcRequest);
  });
}

/** Child side: answers requests with `handler`; a thrown error becomes `{ ok: false }`. */
export function serve(handler: (message: IpcRequest) => Promise<Record<string, unknown>> | Record<string, unknown>) {
  process.on('message', (message: IpcRequest) => {
    if (!message || typeof message !== 'object' || typeof message.id !== 'number') return;
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (fields) => process.send?.({ id: message.id, ok: true, ...fields }),
        (error: unknown) => process.send?.({ id: message.id, ok: false, error: String(error) }),
      );
  });
  // The orchestrator is gone (even killed): do not outlive it.
  process.on('disconnect', () => process.exit(0));
}
