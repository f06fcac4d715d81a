/**
 * gzip through the Compression Streams API (Node ≥ 18, Deno, Bun, browsers, edge runtimes),
 * so no `node:zlib` import is needed and the package stays runtime-neutral.
 */

/** Whether this platform can gzip. */
export function canGzip(): boolean {
  return typeof (globalThis as { CompressionStream?: unknown }).CompressionStream === 'function';
}

/** gzip-compresses `body`. */
export async function gzip(body: string | Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
