/**
 * The lifecycle hook bus (Sentry's SDK lifecycle-hooks RFC): integrations subscribe with
 * `on(name, cb)` and the pipeline calls `emit(name, ...args)`.
 *
 * - Callbacks run synchronously, in registration order.
 * - A callback that throws is reported through `diag` and skipped; the others and the
 *   pipeline go on.
 * - Callbacks must tolerate extra arguments: new ones may be added, never renamed.
 */
import type { Context, Span } from '@opentelemetry/api';
import { coreDiag } from './diag.js';
import type { DataCategory, Envelope } from './envelope.js';
import type { ClientReport, DiscardReason, ReadableSpanLike, SentryEvent, Session, TransportResult } from './types.js';

/** The hooks every otel-sentry plugin knows, with their arguments. */
export interface ClientHooks {
  /** A span started (every span), with the context it started in. */
  spanStart: (span: Span, parentContext: Context) => void;
  /** A span ended. */
  spanEnd: (span: ReadableSpanLike) => void;
  /** A local root started: a span with no parent or with a remote parent. */
  transactionStart: (rootSpan: Span) => void;
  /** A local root ended; `spans` is every span of the transaction, the root included. Callbacks may add to it. */
  transactionEnd: (rootSpan: ReadableSpanLike, spans: ReadableSpanLike[]) => void;
  /** A DSC is being created at the head of a trace: the one moment it may still be edited. */
  createDsc: (dsc: Record<string, string | undefined>, rootSpan: Span | undefined) => void;
  /** An event is about to be put in an envelope; callbacks may edit it. */
  beforeSendEvent: (event: SentryEvent) => void;
  /** An envelope is about to be serialized and sent; callbacks may edit it. */
  beforeEnvelope: (envelope: Envelope) => void;
  /** An envelope was sent (or failed to be). */
  afterSendEnvelope: (envelope: Envelope, result: TransportResult) => void;
  /** A release-health session started. */
  sessionStart: (session: Session) => void;
  /** A release-health session ended. */
  sessionEnd: (session: Session) => void;
  /** A client report is about to be sent. */
  clientReport: (report: ClientReport) => void;
  /**
   * Something was dropped before reaching Sentry. Any component may emit it; the exporter
   * counts it into its next client report.
   */
  discardedEvent: (reason: DiscardReason, category: DataCategory, quantity: number) => void;
}

/** Names of the known hooks. */
export type HookName = keyof ClientHooks;

/** Any callback: the bus also carries hooks that plugins or users add under their own names. */
// biome-ignore lint/suspicious/noExplicitAny: callbacks for unknown hooks take whatever is emitted
export type AnyHookCallback = (...args: any[]) => void;

/** Subscribing side of the hook bus. */
export interface HookRegistry {
  /** Subscribes `callback` to `name`; returns a function that unsubscribes it. */
  on<K extends HookName>(name: K, callback: ClientHooks[K]): () => void;
  on(name: string, callback: AnyHookCallback): () => void;
}

/** Emitting side of the hook bus. */
export interface HookEmitter {
  /** Calls every callback of `name`, in registration order, with `args`. Never throws. */
  emit<K extends HookName>(name: K, ...args: Parameters<ClientHooks[K]>): void;
  emit(name: string, ...args: unknown[]): void;
  /** Whether `name` has callbacks, so hot paths can skip building arguments nobody reads. */
  hasHooks(name: string): boolean;
}

const NO_CALLBACKS: readonly AnyHookCallback[] = Object.freeze([]);

/**
 * @internal
 * The bus. Lists are copied on change, never on emit: emitting allocates nothing, and a
 * callback that subscribes or unsubscribes during an emit does not disturb that emit.
 */
export class HookBus implements HookRegistry, HookEmitter {
  readonly #hooks = new Map<string, readonly AnyHookCallback[]>();

  on(name: string, callback: AnyHookCallback): () => void {
    if (typeof callback !== 'function') {
      throw new TypeError(`otel-sentry: the callback for hook "${name}" must be a function`);
    }
    this.#hooks.set(name, [...(this.#hooks.get(name) ?? NO_CALLBACKS), callback]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const list = this.#hooks.get(name) ?? NO_CALLBACKS;
      const i = list.indexOf(callback);
      if (i === -1) return;
      const next = [...list.slice(0, i), ...list.slice(i + 1)];
      if (next.length === 0) this.#hooks.delete(name);
      else this.#hooks.set(name, next);
    };
  }

  emit(name: string, ...args: unknown[]): void {
    const list = this.#hooks.get(name);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(...args);
      } catch (error) {
        coreDiag.error(`a "${name}" hook callback threw; the others still run`, error);
      }
    }
  }

  hasHooks(name: string): boolean {
    return this.#hooks.has(name);
  }
}
