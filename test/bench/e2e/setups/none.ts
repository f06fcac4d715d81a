/** Set-up 1, `none`: no tracing. The service's `startActiveSpan` hits the no-op API tracer. */
import { registerSetup } from './setup-api.js';

registerSetup({ flush: () => Promise.resolve(), sampledRoots: () => 0 });
