// A Spotlight sidecar for this run (`@spotlightjs/spotlight`, started through its library API:
// no UI, and none of the telemetry its CLI sends about itself). Listens on a free loopback
// port, prints `{"port":N}` once it accepts envelopes, and exits when its parent closes stdin
// (so it never outlives the main job, even when that one is killed).
import { Server } from 'node:net';
import { setupSpotlight } from '@spotlightjs/spotlight';

// Spotlight listens on every interface; this one is for this machine only.
const listen = Server.prototype.listen;
Server.prototype.listen = function (port, host, ...rest) {
  return typeof port === 'number' && host === undefined
    ? listen.call(this, port, '127.0.0.1', ...rest)
    : listen.call(this, port, host, ...rest);
};

const quiet = { info() {}, warn() {}, debug() {}, error: (message) => console.error(message) };
const server = await setupSpotlight({ port: 0, isStandalone: true, logger: quiet });
if (server === undefined) throw new Error('Spotlight did not start a server');
console.log(JSON.stringify({ port: server.address().port }));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
