/**
 * A downstream service the app under test calls: it stands for another process, so its
 * incoming requests are not traced here. It answers JSON and keeps the headers it received.
 */
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';

/** See the module comment. */
export interface Downstream {
  readonly port: number;
  /** Headers of every request received. */
  readonly requests: Http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Starts the downstream service with the (patched) `http` module, its port added to `untracedPorts`. */
export async function startDownstream(http: typeof Http, untracedPorts: Set<number>): Promise<Downstream> {
  const requests: Http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ inStock: 3 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  untracedPorts.add(port);
  return {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
