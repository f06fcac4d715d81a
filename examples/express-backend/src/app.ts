/**
 * The express app: routes with parameters, a middleware, a downstream call, a JSON body,
 * an error thrown to express (unhandled in Sentry) and one the app handles itself.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Express, NextFunction, Request, Response } from 'express';
import { tracer } from './telemetry.js';

const require = createRequire(import.meta.url);
// Through `require`, after the telemetry is set up, so the instrumentations patch them.
const express = require('express') as typeof import('express');
const http = require('node:http') as typeof Http;

/** GETs JSON from a URL with the (instrumented) `http` module: a traced downstream call. */
export function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The shop's API; `inventoryUrl` is the downstream service. */
export function createApp(inventoryUrl: string): Express {
  const app = express();
  app.use(express.json());
  app.use(function requestId(_req, res, next) {
    res.setHeader('x-request-id', Math.random().toString(36).slice(2));
    next();
  });

  app.get('/users/:id', async (req, res) => {
    const stock = await getJson(`${inventoryUrl}/stock/${req.params.id}`);
    res.json({ id: req.params.id, stock });
  });

  app.post('/users/:id/orders', (req, res) => {
    const { items } = req.body as { items: unknown[] };
    res.status(201).json({ user: req.params.id, items: items.length });
  });

  // Thrown to express, which answers 500: Sentry shows it as unhandled.
  app.get('/orders/:id/refund', () => {
    throw new Error('refund service misconfigured');
  });

  // Caught by the app, recorded on its own span: handled, although the answer is a 500.
  app.post('/users/:id/charge', (req, res) => {
    const span = tracer.startSpan('charge card', { attributes: { 'sentry.op': 'payment' } });
    try {
      throw new Error('card declined: insufficient funds');
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      res.status(500).json({ user: req.params.id, error: 'card declined' });
    } finally {
      span.end();
    }
  });

  // Names the route's handler span by hand (Sentry's attribute names steer naming and op).
  app.get('/health', (_req, res) => {
    trace.getActiveSpan()?.setAttributes({ 'sentry.custom_span_name': 'health check', 'sentry.op': 'health' });
    res.json({ ok: true });
  });

  // The app's last error handler: answers 500 as JSON. The error still escaped its route, so
  // Sentry gets it as unhandled.
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: error.message });
  });
  return app;
}
