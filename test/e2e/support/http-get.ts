/**
 * A GET on loopback through a given `http` module. The e2e tests load `http` themselves,
 * after registering the HTTP instrumentation, so that the module they pass here is the
 * patched one and the request is traced in the active context.
 */
import type * as Http from 'node:http';

/** GETs `path` from `127.0.0.1:port` and resolves with the body; fails after `timeoutMs`. */
export function httpGet(http: typeof Http, port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`request to port ${port} timed out`)));
    request.on('error', reject);
  });
}
