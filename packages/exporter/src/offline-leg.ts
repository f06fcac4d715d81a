/**
 * The offline queue as the exporter uses it (option `offline`, Node only):
 * - started lazily: the file-system code loads on first use, so platforms without it never
 *   import it, and an earlier run's envelopes are resent as soon as it is up;
 * - fed by the sender with envelopes a network failure stopped ({@link OfflineLeg.store});
 * - resent on the exporter's retry timer and whenever the network answers again;
 * - the last stop, at the shutdown deadline, for what could not be delivered
 *   ({@link OfflineLeg.storeUntil}).
 * What it evicts or Sentry rejects on resend is counted in the client reports.
 */
import { type DiscardReason, parseEnvelope } from '@otel-sentry/core';
import type { OfflineQueue } from '#platform-files';
import type { ClientReportRecorder } from './client-reports.js';
import { exporterDiag } from './diag.js';
import { type OfflineStore, recordEnvelopeDrop, recordItemDrop, type Undelivered } from './envelope-sender.js';
import type { ResolvedExporterOptions } from './options.js';
import { isNode } from './runtime.js';
import { delay } from './timers.js';
import type { EnvelopeTransport } from './types.js';

/** What {@link startOfflineLeg} needs. */
export interface OfflineLegOptions {
  /** The exporter's `offline` option, resolved. */
  readonly settings: NonNullable<ResolvedExporterOptions['offline']>;
  /** Names the default folder, so two projects never share one. */
  readonly projectId: string | undefined;
  /** The transport to Sentry: resends go through it. */
  readonly transport: EnvelopeTransport;
  readonly reports: ClientReportRecorder;
  /** A stored envelope was delivered on resend. */
  readonly onDelivered: () => void;
}

/** The offline leg, or `undefined` (said through `diag`) where there is no Node to keep files. */
export function startOfflineLeg(options: OfflineLegOptions): OfflineLeg | undefined {
  if (!isNode()) {
    exporterDiag.warn('the offline queue needs Node; it is off');
    return undefined;
  }
  return new OfflineLeg(options);
}

/** See the module comment. */
export class OfflineLeg {
  /** The queue once started; `undefined` when it could not start (said through `diag`). */
  readonly #queue: Promise<OfflineQueue | undefined>;
  /** Where the sender puts envelopes a network failure stopped. */
  readonly store: OfflineStore;

  constructor(o: OfflineLegOptions) {
    const reports = o.reports;
    const countStored = (body: Uint8Array, reason: DiscardReason): void => {
      const envelope = parseEnvelope(body);
      if (envelope !== undefined) recordEnvelopeDrop(reports, reason, envelope);
    };
    this.#queue = import('#platform-files').then(
      (m) => {
        if (!m.HAS_FILE_SYSTEM) throw new Error('this platform has no file system');
        const queue = new m.OfflineQueue({
          dir: o.settings.dir ?? m.defaultOfflineDir(o.projectId ?? 'default'),
          maxEnvelopes: o.settings.maxEnvelopes,
          maxBytes: o.settings.maxBytes,
          transport: o.transport,
          onEvict: (body) => countStored(body, 'cache_overflow'),
          onRejected: (body) => countStored(body, 'send_error'),
          onDamaged: (items) => {
            for (const headers of items) recordItemDrop(reports, 'internal_sdk_error', { headers, payload: undefined });
          },
          onDelivered: o.onDelivered,
        });
        // Resend what an earlier run left behind.
        void queue.flush();
        return queue;
      },
      (error: unknown) => {
        exporterDiag.warn('the offline queue could not start', error);
        return undefined;
      },
    );
    this.store = {
      store: async (body) => {
        const queue = await this.#queue;
        return queue === undefined ? false : queue.store(body);
      },
      networkUp: () => {
        void this.flush();
      },
    };
  }

  /** Resends what the queue holds now. Resolves with how many envelopes were answered. */
  async flush(): Promise<number> {
    const queue = await this.#queue;
    return queue === undefined ? 0 : queue.flush();
  }

  /**
   * Stores what shutdown could not deliver, client reports excepted (their counts are in the
   * log line), as far as `deadline` allows. Resolves with the envelopes stored, or `undefined`
   * when the queue was not up by then (or could not start).
   */
  async storeUntil(undelivered: readonly Undelivered[], deadline: number): Promise<Set<Undelivered> | undefined> {
    const queue = await Promise.race([this.#queue, delay(deadline - Date.now())]);
    if (queue === undefined) return undefined;
    const stored = new Set<Undelivered>();
    const storing = Promise.all(
      undelivered.map(async (u) => {
        if (u.envelope.items.every((i) => i.headers.type === 'client_report')) return;
        if (await queue.store(u.body)) stored.add(u);
      }),
    );
    await Promise.race([storing, delay(deadline - Date.now())]);
    return stored;
  }
}
