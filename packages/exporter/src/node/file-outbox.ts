/**
 * The local outbox (design decision 7): with no DSN and no Spotlight, envelopes are written
 * to files in a folder (`./sentry-outbox` by default), one `.envelope` file each, so nothing
 * is lost and the developer can look at what would have been sent. Node only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { uuid4 } from '@otel-sentry/core';
import type { EnvelopeTransport, TransportRequest, TransportResponse } from '../types.js';

/** Writes each envelope to `<dir>/<time>-<random>.envelope`. */
export class FileOutboxTransport implements EnvelopeTransport {
  /** The absolute folder envelopes are written to. */
  readonly dir: string;
  #ready: Promise<unknown> | undefined;
  #sequence = 0;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    this.#ready ??= mkdir(this.dir, { recursive: true });
    await this.#ready;
    const seq = String(this.#sequence++).padStart(6, '0');
    const name = `${Date.now()}-${seq}-${uuid4().slice(0, 8)}.envelope`;
    await writeFile(join(this.dir, name), request.body);
    return { statusCode: 200 };
  }
}
