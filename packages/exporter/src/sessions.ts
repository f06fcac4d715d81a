/**
 * Release health as the SDK's connection heartbeat: one `session` when the exporter starts
 * (`init: true`) and when it shuts down (`exited`), and in server mode per-minute
 * `sessions` aggregates of local-root server spans (exited / errored / crashed).
 */
import { type Session, uuid4Dashed } from '@otel-sentry/core';

/** A `sessions` item payload. */
export interface SessionAggregates {
  aggregates: Array<{ started: string; exited?: number; errored?: number; crashed?: number }>;
  attrs: { release: string; environment?: string };
}

/** Outcome of one request for the aggregates. */
export type RequestOutcome = 'exited' | 'errored' | 'crashed';

/** Relay keeps at most 100 aggregates per item. */
const MAX_BUCKETS = 100;

// Every request of a server asks for its minute: the last answer is kept, so formatting a
// date happens once a minute rather than once a request.
let lastMinuteStart = Number.NaN;
let lastMinuteText = '';

function minuteOf(ms: number): string {
  const start = ms - (ms % 60_000);
  if (start !== lastMinuteStart) {
    lastMinuteStart = start;
    lastMinuteText = new Date(start).toISOString();
  }
  return lastMinuteText;
}

/** Holds the process session and the request aggregates. */
export class ReleaseHealth {
  readonly #release: string;
  readonly #environment: string;
  readonly #session: Session;
  readonly #startedMs: number;
  #buckets = new Map<string, { exited: number; errored: number; crashed: number }>();

  constructor(release: string, environment: string, now: number = Date.now()) {
    this.#release = release;
    this.#environment = environment;
    this.#startedMs = now;
    const started = new Date(now).toISOString();
    this.#session = {
      sid: uuid4Dashed(),
      init: true,
      started,
      timestamp: started,
      status: 'ok',
      errors: 0,
      attrs: { release, environment },
    };
  }

  /** The release the session reports. */
  get release(): string {
    return this.#release;
  }

  /** The session as it is now (a copy); `init` is true only the first time. */
  update(now: number = Date.now()): Session {
    const s = this.#session;
    s.timestamp = new Date(now).toISOString();
    s.duration = Math.max(0, (now - this.#startedMs) / 1000);
    const copy: Session = { ...s, attrs: { ...s.attrs } };
    s.init = false;
    return copy;
  }

  /** Ends the session: status `exited` (`abnormal` after crashes is left to the host). */
  end(now: number = Date.now()): Session {
    this.#session.status = 'exited';
    return this.update(now);
  }

  /** Counts errors seen in this process (shown on the session). */
  addErrors(count: number): void {
    this.#session.errors += count;
  }

  /** Records one server request. Returns false when the buckets are full (the count is lost and reported). */
  recordRequest(outcome: RequestOutcome, startedMs: number): boolean {
    const key = minuteOf(startedMs);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) return false;
      bucket = { exited: 0, errored: 0, crashed: 0 };
      this.#buckets.set(key, bucket);
    }
    bucket[outcome]++;
    return true;
  }

  /** Takes the aggregates so far; `undefined` when there are none. */
  takeAggregates(): SessionAggregates | undefined {
    if (this.#buckets.size === 0) return undefined;
    const aggregates: SessionAggregates['aggregates'] = [];
    for (const [started, b] of this.#buckets) {
      const entry: SessionAggregates['aggregates'][number] = { started };
      if (b.exited > 0) entry.exited = b.exited;
      if (b.errored > 0) entry.errored = b.errored;
      if (b.crashed > 0) entry.crashed = b.crashed;
      aggregates.push(entry);
    }
    this.#buckets = new Map();
    return { aggregates, attrs: { release: this.#release, environment: this.#environment } };
  }
}
