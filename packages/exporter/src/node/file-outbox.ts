/**
 * The local outbox (design decision 7): with no DSN and no Spotlight, envelopes are written
 * to files in a folder (`./sentry-outbox` by default), one `.envelope` file each, so nothing
 * is lost and the developer can look at what would have been sent. Bounded like the network
 * path: beyond `maxFiles` the oldest files (this run's and earlier runs') are deleted, so a
 * forgotten development set-up cannot fill the disk. Node only.
 */
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { uuid4 } from '@otel-sentry/core';
import type { EnvelopeTransport, TransportRequest, TransportResponse } from '../types.js';

const SUFFIX = '.envelope';

/** Writes each envelope to `<dir>/<time>-<sequence>-<random>.envelope`. */
export class FileOutboxTransport implements EnvelopeTransport {
  /** The absolute folder envelopes are written to. */
  readonly dir: string;
  readonly #maxFiles: number;
  /** Files in the folder, oldest first: read once, then kept up to date as files are written. */
  #files: Promise<string[]> | undefined;
  #sequence = 0;

  constructor(dir: string, maxFiles = 1000) {
    this.dir = resolve(dir);
    this.#maxFiles = maxFiles;
  }

  #list(): Promise<string[]> {
    this.#files ??= mkdir(this.dir, { recursive: true })
      .then(() => readdir(this.dir))
      .then((names) => names.filter((n) => n.endsWith(SUFFIX)).sort());
    return this.#files;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const files = await this.#list();
    const seq = String(this.#sequence++).padStart(6, '0');
    const name = `${String(Date.now()).padStart(15, '0')}-${seq}-${uuid4().slice(0, 8)}${SUFFIX}`;
    await writeFile(join(this.dir, name), request.body);
    files.push(name);
    while (files.length > this.#maxFiles) {
      const oldest = files.shift()!;
      await unlink(join(this.dir, oldest)).catch(() => undefined);
    }
    return { statusCode: 200 };
  }
}
