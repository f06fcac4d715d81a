/**
 * The offline queue: envelopes that could not be sent for lack of network are written to
 * disk and resent on the next start or when the network returns. Bounded in count and
 * bytes; the oldest files are evicted first and counted. A file is claimed (renamed) before
 * it is resent and deleted once answered, so two senders never send it twice. Node only.
 *
 * Counting is exact under concurrency: stores enforce the bounds one at a time, and an
 * evicted file counts only for the caller whose delete succeeded. A file is read back as an
 * envelope before it is resent: one cut short by a crash or overwritten is not uploaded as it
 * is — its whole items go on, what was damaged is counted, and a file that is no envelope at
 * all is logged and deleted.
 */
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EnvelopeItemHeaders, salvageEnvelope, serializeEnvelopeBytes, uuid4 } from '@otel-sentry/core';
import { exporterDiag } from '../diag.js';
import type { EnvelopeTransport } from '../types.js';

/** Options of {@link OfflineQueue}. */
export interface OfflineQueueConfig {
  readonly dir: string;
  readonly maxEnvelopes: number;
  readonly maxBytes: number;
  /** Sends one stored envelope; resolves with the status, rejects on network errors. */
  readonly transport: EnvelopeTransport;
  /** Told of envelopes evicted to keep the bounds (their bodies, to count what they held). */
  readonly onEvict: (body: Uint8Array) => void;
  /** Told of stored envelopes answered with an error status (dropped, not retried). */
  readonly onRejected: (body: Uint8Array, status: number) => void;
  /** Told of stored envelopes delivered. */
  readonly onDelivered: (body: Uint8Array) => void;
  /**
   * Told of the items of a stored file that could not be read whole (cut short, or a payload
   * that is not JSON): they are not sent. Default: none (they are still logged).
   */
  readonly onDamaged?: ((items: readonly EnvelopeItemHeaders[]) => void) | undefined;
}

const SUFFIX = '.envelope';

/** The default folder of the queue of one project: `<os tmpdir>/otel-sentry-offline/<project id>`. */
export function defaultOfflineDir(projectId: string): string {
  return join(tmpdir(), 'otel-sentry-offline', projectId);
}
const CLAIMED = '.sending';

/**
 * What of a stored file may be resent: the file as it is when it reads back as a whole
 * envelope (`whole`), else its whole items re-serialized; `undefined` when nothing of it can
 * go. What is not whole is counted (`onDamaged`) and logged.
 */
function resendable(
  name: string,
  stored: Uint8Array,
  onDamaged: ((items: readonly EnvelopeItemHeaders[]) => void) | undefined,
): { body: Uint8Array; whole: boolean } | undefined {
  const salvaged = salvageEnvelope(stored);
  if (salvaged === undefined) {
    exporterDiag.warn(`offline queue: ${name} is not an envelope (${stored.length} bytes); deleted unsent`);
    return undefined;
  }
  const { envelope, damaged, complete } = salvaged;
  if (damaged.length === 0 && complete) return { body: new Uint8Array(stored), whole: true };
  if (damaged.length > 0) onDamaged?.(damaged);
  exporterDiag.warn(
    `offline queue: ${name} is damaged (${damaged.map((h) => h.type).join(', ') || 'unreadable items'} lost` +
      `${complete ? '' : ', and whatever followed an unreadable item header'}); ` +
      `${envelope.items.length} whole item(s) resent`,
  );
  return envelope.items.length === 0 ? undefined : { body: serializeEnvelopeBytes(envelope), whole: false };
}

/** See the module comment. */
export class OfflineQueue {
  readonly #c: OfflineQueueConfig;
  readonly dir: string;
  #ready: Promise<unknown> | undefined;
  #flushing: Promise<number> | undefined;
  #sequence = 0;
  /** Whether the folder may hold envelopes: unknown at start, so true; false after a complete run. */
  #mayHoldFiles = true;
  #recovered = false;
  /** Bumped by every store, so a flush knows whether something arrived while it ran. */
  #stores = 0;
  /** The bounds are enforced one store at a time: two at once would evict (and count) the same files. */
  #bounds: Promise<void> = Promise.resolve();

  constructor(config: OfflineQueueConfig) {
    this.#c = config;
    this.dir = resolve(config.dir);
  }

  #mkdir(): Promise<unknown> {
    if (this.#ready === undefined) this.#ready = mkdir(this.dir, { recursive: true });
    return this.#ready;
  }

  async #files(): Promise<string[]> {
    await this.#mkdir();
    const names = await readdir(this.dir);
    return names.filter((n) => n.endsWith(SUFFIX)).sort();
  }

  /** Number of envelopes on disk. */
  async size(): Promise<number> {
    return (await this.#files()).length;
  }

  /** Writes an envelope, then evicts the oldest beyond the bounds. */
  async store(body: string | Uint8Array): Promise<boolean> {
    try {
      await this.#mkdir();
      const seq = String(this.#sequence++).padStart(6, '0');
      const name = `${String(Date.now()).padStart(15, '0')}-${seq}-${uuid4().slice(0, 8)}${SUFFIX}`;
      await writeFile(join(this.dir, name), body);
      this.#mayHoldFiles = true;
      this.#stores++;
      const bounds = this.#bounds.then(() => this.#enforceBounds());
      this.#bounds = bounds.catch(() => undefined);
      await bounds;
      return true;
    } catch {
      return false;
    }
  }

  async #enforceBounds(): Promise<void> {
    const names = await this.#files();
    const sizes: number[] = [];
    let total = 0;
    for (const name of names) {
      const size = await stat(join(this.dir, name)).then(
        (s) => s.size,
        () => 0,
      );
      sizes.push(size);
      total += size;
    }
    let count = names.length;
    for (let i = 0; i < names.length && (count > this.#c.maxEnvelopes || total > this.#c.maxBytes); i++) {
      const path = join(this.dir, names[i]!);
      const body = await readFile(path).catch(() => undefined);
      // Whoever deletes the file counts it: another process (or a flush) may have taken it.
      const deleted = await unlink(path).then(
        () => true,
        () => false,
      );
      count--;
      total -= sizes[i]!;
      if (deleted && body !== undefined) this.#c.onEvict(body);
    }
  }

  /**
   * Resends what is on disk, oldest first; stops at the first network error. Resolves with
   * the number of envelopes answered. Concurrent calls share one run.
   */
  flush(): Promise<number> {
    if (!this.#mayHoldFiles) return Promise.resolve(0);
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** A claim left by a process that died while sending is released after a minute. */
  async #recoverStaleClaims(): Promise<void> {
    if (this.#recovered) return;
    this.#recovered = true;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith(SUFFIX + CLAIMED)) continue;
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > 60_000) {
        await rename(path, path.slice(0, -CLAIMED.length)).catch(() => undefined);
      }
    }
  }

  async #flush(): Promise<number> {
    const storesAtStart = this.#stores;
    let answered = 0;
    let deleted = 0;
    let names: string[];
    try {
      await this.#mkdir();
      await this.#recoverStaleClaims();
      names = await this.#files();
    } catch {
      return 0;
    }
    let complete = true;
    for (const name of names) {
      const path = join(this.dir, name);
      const claimed = path + CLAIMED;
      try {
        await rename(path, claimed);
      } catch {
        continue; // another sender has it
      }
      const stored = await readFile(claimed).catch(() => undefined);
      if (stored === undefined) continue;
      const readBack = resendable(name, stored, this.#c.onDamaged);
      if (readBack === undefined) {
        await unlink(claimed).catch(() => undefined);
        deleted++;
        continue;
      }
      const body = readBack.body;
      // What was damaged is counted once: the file keeps only what is whole, should the send fail.
      if (!readBack.whole) await writeFile(claimed, body).catch(() => undefined);
      let status: number;
      try {
        status = (await this.#c.transport.send({ body })).statusCode;
      } catch {
        await rename(claimed, path).catch(() => undefined); // network still down: keep it
        complete = false;
        break;
      }
      await unlink(claimed).catch(() => undefined);
      answered++;
      if (status >= 200 && status < 300) this.#c.onDelivered(body);
      else this.#c.onRejected(body, status);
    }
    // Only a run that saw everything may say the folder is empty; a store during the run sets it again.
    if (complete && names.length === answered + deleted && this.#stores === storesAtStart) this.#mayHoldFiles = false;
    return answered;
  }
}
