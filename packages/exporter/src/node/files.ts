/**
 * The file-system pieces of the exporter — the local outbox and the offline queue — behind
 * one entry, `#platform-files`, which package.json `imports` maps by export condition: this
 * module where there is a Node-compatible file system (Node, Bun, Deno), `platform/no-files`
 * elsewhere (browsers, edge runtimes), so their bundles never meet a `node:` import.
 */
import { FileOutboxTransport } from './file-outbox.js';
import { defaultOfflineDir, OfflineQueue } from './offline-queue.js';

/** Whether this platform has a file system for the outbox and the offline queue. */
export const HAS_FILE_SYSTEM = true;

export { defaultOfflineDir, FileOutboxTransport, OfflineQueue };
