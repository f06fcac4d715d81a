/**
 * The exporter's periodic envelopes: release-health sessions (the SDK heartbeat RFC: one
 * `session` at start, `sessions` aggregates of server requests, the end at shutdown) and
 * client reports of everything dropped (design decision 6).
 */
import { type Client, createEnvelope, type Envelope, type Session } from '@otel-sentry/core';
import type { ClientReportRecorder } from './client-reports.js';
import { ReleaseHealth, type RequestOutcome } from './sessions.js';

/** Settings of {@link Heartbeat}. */
export interface HeartbeatSettings {
  readonly client: Client;
  readonly reports: ClientReportRecorder;
  readonly sessionMode: 'server' | 'application' | false;
  /** Puts an envelope on its way. */
  readonly submit: (envelope: Envelope) => void;
}

/** See the module comment. */
export class Heartbeat {
  readonly #s: HeartbeatSettings;
  #health: ReleaseHealth | undefined;

  constructor(settings: HeartbeatSettings) {
    this.#s = settings;
  }

  #sdk(): { name: string; version: string } {
    const sdk = this.#s.client.options.sdk;
    return { name: sdk.name, version: sdk.version };
  }

  /** Whether a session runs (a release is known and sessions are on). */
  get started(): boolean {
    return this.#health !== undefined;
  }

  /** Starts the process session once a release is known; later calls do nothing. */
  start(release: string, environment: string): void {
    if (this.#health !== undefined || this.#s.sessionMode === false) return;
    this.#health = new ReleaseHealth(release, environment);
    const session = this.#health.update();
    this.#s.client.emit('sessionStart', session);
    this.#sendSession(session);
  }

  /** The session as it is now, for a connection check; `undefined` without one. */
  currentSession(): Session | undefined {
    return this.#health?.update();
  }

  /** Counts errors on the session. */
  addErrors(count: number): void {
    this.#health?.addErrors(count);
  }

  /** Records one server request in the aggregates (server mode). False when it could not be counted. */
  recordRequest(outcome: RequestOutcome, startedMillis: number): boolean {
    if (this.#s.sessionMode !== 'server' || this.#health === undefined) return true;
    return this.#health.recordRequest(outcome, startedMillis);
  }

  /** Sends the aggregates gathered so far. */
  sendAggregates(): void {
    const aggregates = this.#health?.takeAggregates();
    if (aggregates === undefined) return;
    this.#s.submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'sessions' }, payload: aggregates }]));
  }

  /** Sends the drops counted so far as a client report. */
  sendClientReport(): void {
    const report = this.#s.reports.take();
    if (report === undefined) return;
    this.#s.client.emit('clientReport', report);
    this.#s.submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'client_report' }, payload: report }]));
  }

  /** Ends the session: the last aggregates, then the session's end. */
  end(): void {
    if (this.#health === undefined) return;
    this.sendAggregates();
    const session = this.#health.end();
    this.#s.client.emit('sessionEnd', session);
    this.#sendSession(session);
  }

  #sendSession(session: Session): void {
    this.#s.submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'session' }, payload: session }]));
  }
}
