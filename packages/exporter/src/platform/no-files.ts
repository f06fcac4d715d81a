/**
 * `#platform-files` where there is no file system (browsers, edge runtimes): the same names
 * as `node/files.ts`, so the exporter compiles against one shape, and constructors that
 * say plainly why they cannot work. The exporter checks {@link HAS_FILE_SYSTEM} first.
 */
import type { EnvelopeTransport, TransportRequest, TransportResponse } from '../types.js';

/** Whether this platform has a file system for the outbox and the offline queue. */
export const HAS_FILE_SYSTEM = false;

const WHY = 'this platform has no file system (the outbox and the offline queue need Node, Bun or Deno)';

/** Not available here. */
export class FileOutboxTransport implements EnvelopeTransport {
  readonly dir: string;
  constructor(dir: string, _maxFiles?: number) {
    this.dir = dir;
    throw new Error(WHY);
  }
  send(_request: TransportRequest): Promise<TransportResponse> {
    return Promise.reject(new Error(WHY));
  }
}

/** Not available here. */
export class OfflineQueue {
  constructor(_config: unknown) {
    throw new Error(WHY);
  }
  store(_body: string | Uint8Array): Promise<boolean> {
    return Promise.resolve(false);
  }
  flush(): Promise<number> {
    return Promise.resolve(0);
  }
}

/** Not available here. */
export function defaultOfflineDir(_projectId: string): string {
  throw new Error(WHY);
}
