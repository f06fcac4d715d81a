/**
 * What the main job prints: the trace across services, the error and the replay it is linked
 * to, the envelopes, and the hooks — each line with what it means.
 */
import type { Payload, ReceivedEnvelope, SpanFields } from './envelopes.js';
import type { TraceHeaders } from './services.js';

export interface ReportInput {
  /** Whether the browser side was the real page in Chromium (else the scripted client). */
  readonly realBrowser: boolean;
  /** Whether the envelopes were read back from Spotlight (else from the outbox folder). */
  readonly fromSpotlight: boolean;
  readonly envelopes: ReceivedEnvelope[];
  /** The replay id the page recorded (or the scripted client claimed). */
  readonly replayId: string | undefined;
  /** Trace headers as checkout-api and inventory received them. */
  readonly hops: { readonly checkout?: TraceHeaders | undefined; readonly inventory?: TraceHeaders | undefined };
  /** `port → service name` of this process's servers. */
  readonly services: ReadonlyMap<number, string>;
  readonly hookCalls: readonly string[];
}

interface Node {
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly traceId: string;
  readonly service: string;
  readonly name: string;
  readonly op: string;
  readonly status: string | undefined;
  readonly start: number;
  readonly root: boolean;
  /** The HTTP status of a request span. */
  readonly httpStatus: number | undefined;
  readonly children: Node[];
  error?: string | undefined;
}

const short = (id: string | undefined) => (id ? `${id.slice(0, 8)}…` : '-');
const whose = (service: string) => (service === 'browser' ? "the browser's" : `${service}'s`);

function serviceOf(envelope: ReceivedEnvelope, payload: Payload, services: ReadonlyMap<number, string>): string {
  if (envelope.from === 'browser') return 'browser';
  const port = Number(payload.contexts?.trace?.data?.['server.port']);
  return services.get(port) ?? 'checkout-api';
}

/** Every span of every transaction, as tree nodes; errors attached to the span they happened in. */
function buildNodes(input: ReportInput): Node[] {
  const nodes: Node[] = [];
  const errors: Payload[] = [];
  for (const envelope of input.envelopes) {
    for (const { type, payload } of envelope.items) {
      if (payload === undefined) continue;
      if (type === 'event' && payload.exception) errors.push(payload);
      if (type !== 'transaction') continue;
      const service = serviceOf(envelope, payload, input.services);
      const trace = payload.contexts?.trace ?? {};
      const traceId = trace.trace_id ?? '';
      const node = (span: SpanFields & { data?: Record<string, unknown> }, name: string, root: boolean): Node => ({
        spanId: span.span_id ?? '',
        parentId: span.parent_span_id,
        traceId,
        service,
        name,
        op: span.op ?? '',
        status: span.status,
        start: span.start_timestamp ?? payload.start_timestamp ?? 0,
        root,
        httpStatus: span.data?.['http.response.status_code'] as number | undefined,
        children: [],
      });
      nodes.push(node({ ...trace, start_timestamp: payload.start_timestamp }, payload.transaction ?? '', true));
      for (const span of payload.spans ?? []) nodes.push(node(span, span.description ?? '', false));
    }
  }
  for (const error of errors) {
    const at = nodes.find((n) => n.spanId === error.contexts?.trace?.span_id);
    const exception = error.exception?.values?.[0];
    if (at) at.error = `${exception?.type}: ${exception?.value}`;
  }
  return nodes;
}

/** What a span is, in the story of this demo (`checkout`: the trace of the checkout call). */
function explain(node: Node, parent: Node | undefined, checkout: boolean, real: boolean): string {
  const answered =
    node.httpStatus !== undefined && node.httpStatus >= 400 ? `; ${node.httpStatus}: the declined card` : '';
  if (node.error) return 'declines the card on purpose and records the exception: the error of this demo (section 3)';
  if (node.service === 'browser') {
    const who = real ? "the page's fetch" : "the scripted client's request";
    return checkout
      ? `${who}: starts the trace, sends sentry-trace and baggage with the replay id${answered}`
      : `${who} after history.pushState to /orders/42: a trace of its own, the same replay id`;
  }
  if (node.op === 'http.server' && parent !== undefined && parent.service !== node.service) {
    return `${node.service} continues ${whose(parent.service)} trace: same trace id, parent = ${whose(parent.service)} span${answered}`;
  }
  if (node.op === 'http.client') return `${node.service} calls inventory: the trace headers go along (section 1)`;
  return node.root ? `a transaction of ${node.service}` : `a span of ${node.service}`;
}

function printTrees(input: ReportInput, nodes: Node[]): void {
  const byId = new Map(nodes.map((n) => [n.spanId, n]));
  const roots: Node[] = [];
  for (const node of nodes) {
    const parent = node.parentId === undefined ? undefined : byId.get(node.parentId);
    if (parent) parent.children.push(node);
    else if (node.parentId !== undefined && node.service !== 'browser' && !input.realBrowser) {
      // The scripted client's span is only in the headers it sent: shown as the root it is.
      const client: Node = {
        spanId: node.parentId,
        parentId: undefined,
        traceId: node.traceId,
        service: 'browser',
        name: '(scripted client: this span is only in its sentry-trace header)',
        op: 'http.client',
        status: undefined,
        start: node.start,
        root: true,
        httpStatus: node.httpStatus,
        children: [node],
      };
      byId.set(client.spanId, client);
      roots.push(client);
    } else roots.push(node);
  }
  roots.sort((a, b) => a.start - b.start);
  const width = 14;
  const print = (
    node: Node,
    parent: Node | undefined,
    prefix: string,
    last: boolean,
    depth: number,
    checkout: boolean,
  ) => {
    const branch = depth === 0 ? '' : last ? '└ ' : '├ ';
    const status = node.status && node.status !== 'ok' ? `  ${node.status}` : '';
    console.log(
      `   ${prefix}${branch}${node.service.padEnd(width)}${node.name}  [${node.op}] span ${node.spanId}${status}`,
    );
    const childPrefix = depth === 0 ? '' : `${prefix}${last ? '  ' : '│ '}`;
    const continuation = `${childPrefix}${node.children.length > 0 ? '│ ' : '  '}`;
    console.log(`   ${continuation}${' '.repeat(width)}${explain(node, parent, checkout, input.realBrowser)}`);
    const children = [...node.children].sort((a, b) => a.start - b.start);
    for (const [i, child] of children.entries()) {
      print(child, node, childPrefix, i === children.length - 1, depth + 1, checkout);
    }
  };
  for (const root of roots) {
    const checkout = nodes.some((n) => n.traceId === root.traceId && n.name === 'POST /api/checkout');
    const what = checkout
      ? 'the checkout: browser → checkout-api → inventory'
      : 'after the page navigated to /orders/42: a new trace, the same replay';
    console.log(`\n   trace ${root.traceId} (${what})`);
    print(root, undefined, '', true, 0, checkout);
  }
}

function printHops(input: ReportInput): void {
  const { checkout, inventory } = input.hops;
  console.log('\n1. Trace headers on each hop, as the receiving service read them:');
  if (checkout === undefined) {
    console.log('   (checkout-api received no request)');
    return;
  }
  console.log(`   browser → checkout-api   sentry-trace: ${checkout['sentry-trace']}`);
  console.log("                            the browser's trace id, the id of its request's span, and 1: sampled");
  console.log(`                            baggage: ${checkout.baggage}`);
  console.log("                            the browser's dynamic sampling context, and the id of its replay beside it");
  if (inventory === undefined) return;
  console.log(`   checkout-api → inventory sentry-trace: ${inventory['sentry-trace']}`);
  console.log("                            the same trace id; the span id is now checkout-api's outgoing call");
  const same = inventory.baggage === checkout.baggage;
  console.log(
    `                            baggage: ${same ? '(the same as above, byte for byte)' : inventory.baggage}`,
  );
  console.log("                            the browser's sampling context passed on unchanged, replay id included");
  if (inventory.traceparent) {
    console.log(`                            traceparent: ${inventory.traceparent}`);
    console.log('                            the same trace in W3C form, for services without a Sentry SDK');
  }
}

function printErrorAndReplay(input: ReportInput, nodes: Node[]): void {
  console.log('\n3. The error, and the replay it is linked to:');
  const errors = input.envelopes.flatMap((e) =>
    e.items.filter((item) => item.type === 'event' && item.payload?.exception).map((item) => ({ e, p: item.payload! })),
  );
  for (const { e, p } of errors) {
    const exception = p.exception?.values?.[0];
    const span = nodes.find((n) => n.spanId === p.contexts?.trace?.span_id);
    console.log(`   error   ${exception?.type}: ${exception?.value}`);
    console.log(
      `           recorded on the "${span?.name ?? '?'}" span (${p.contexts?.trace?.span_id}) of trace ${short(p.contexts?.trace?.trace_id)}, handled: ${exception?.mechanism?.handled}`,
    );
    const replay = p.contexts?.replay?.replay_id;
    console.log(`           linked to replay ${replay ?? '(none)'}: in the event (contexts.replay.replay_id)`);
    if (e.headers.trace?.replay_id === replay) {
      console.log("           and in its envelope's trace header, so Sentry shows the error with that replay");
    }
  }
  if (errors.length === 0) console.log('   (no error event was received)');
  const segments = input.envelopes.flatMap((e) =>
    e.items.filter((item) => item.type === 'replay_event').map((item) => item.payload?.segment_id),
  );
  if (!input.realBrowser) {
    console.log(`   replay  ${input.replayId}: only claimed by the scripted client; no recording was sent`);
    console.log('           (with Chromium, the page records a real one with @sentry/browser and sends it)');
  } else if (segments.length > 0) {
    console.log(`   replay  ${input.replayId}: recorded in the page by @sentry/browser (session mode)`);
    console.log(
      `           its recording arrived too: ${segments.length} segment${segments.length === 1 ? '' : 's'} (${segments.join(', ')}), each a replay_event and a replay_recording`,
    );
  } else {
    console.log(`   replay  ${input.replayId}: recorded in the page by @sentry/browser; its recording did not arrive`);
  }
}

function describe(envelope: ReceivedEnvelope, input: ReportInput): Array<[string, string]> {
  if (envelope.items.some((item) => item.type === 'replay_event')) {
    return [['replay', 'the replay (@sentry/browser): what the page showed and the user did, one segment']];
  }
  const lines: Array<[string, string]> = [];
  for (const { type, payload } of envelope.items) {
    const p = payload ?? {};
    if (type === 'transaction') {
      const service = serviceOf(envelope, p, input.services);
      const spans = p.spans?.length ?? 0;
      lines.push([
        `transaction "${p.transaction}"`,
        service === 'browser'
          ? "the page's fetch span (@otel-sentry/browser)"
          : `${service}'s request${spans > 0 ? ` and its ${spans} child spans` : ''}`,
      ]);
    } else if (type === 'event') {
      lines.push(['error', 'the declined card: exception, stack trace, trace and replay ids']);
    } else if (type === 'session') {
      const session = p as { status?: string; errors?: number };
      lines.push(
        session.status === 'ok'
          ? ['session (ok)', "release health: this process's session, opened when the exporter started"]
          : [
              `session (${session.status}, ${session.errors ?? 0} error${session.errors === 1 ? '' : 's'})`,
              'the same session, closed at shutdown, with the errors it saw',
            ],
      );
    } else if (type === 'sessions') {
      const aggregates = (p as { aggregates?: Array<Record<string, number>> }).aggregates ?? [];
      const sum = (key: string) => aggregates.reduce((n, a) => n + (a[key] ?? 0), 0);
      const requests = sum('exited') + sum('errored') + sum('crashed');
      lines.push([
        'sessions',
        `release health per request, counted by minute: ${requests} requests served, ${sum('errored')} with an error`,
      ]);
    } else if (type === 'client_report') {
      lines.push(['client_report', 'what was dropped, and why (nothing is lost silently)']);
    } else {
      lines.push([type, '']);
    }
  }
  return lines;
}

function printEnvelopes(input: ReportInput): void {
  const where = input.fromSpotlight ? 'Spotlight received' : 'the outbox folder holds';
  console.log(`\n4. The ${input.envelopes.length} envelopes ${where}, in order (who sent it, what it holds):`);
  const rows: string[][] = [];
  for (const envelope of input.envelopes) {
    const from = envelope.from === 'browser' ? 'page' : 'service';
    for (const [what, meaning] of describe(envelope, input)) {
      // The replay's segments (how many depends on when its timers fire): one line.
      const previous = rows.at(-1);
      if (what === 'replay' && previous?.[1]?.startsWith('replay')) {
        const n = Number(/×(\d+)/.exec(previous[1])?.[1] ?? 1) + 1;
        previous[1] = `replay ×${n}`;
        previous[2] = `the replay (@sentry/browser): what the page showed and the user did, ${n} segments`;
      } else rows.push([from, what, meaning]);
    }
  }
  const width = Math.max(...rows.map(([, what]) => what?.length ?? 0)) + 2;
  for (const [from, what, meaning] of rows) console.log(`   ${from?.padEnd(8)} ${what?.padEnd(width)}${meaning}`);
}

function printHooks(input: ReportInput): void {
  const count = (name: string) => input.hookCalls.filter((n) => n === name).length;
  const service = input.envelopes.filter((e) => e.from === 'backend').length;
  const page = input.envelopes.length - service;
  const total = input.fromSpotlight ? 'Spotlight received' : 'The outbox holds';
  console.log("\n5. Hooks that fired on checkout-api's client (client.on(name, callback)):");
  console.log(
    `   transactionStart ×${count('transactionStart')}   a local root span started: one per "service" transaction in section 4`,
  );
  console.log(
    `   transactionEnd   ×${count('transactionEnd')}   the same transactions, complete with their spans, just before export`,
  );
  console.log(
    `   beforeEnvelope   ×${count('beforeEnvelope')}   an envelope is about to leave this process: one per "service" envelope in section 4`,
  );
  console.log(
    page > 0
      ? `   ${total} ${input.envelopes.length}: these ${service}, and ${page} from the page, whose SDKs (@otel-sentry/browser, @sentry/browser) have clients of their own`
      : `   ${total} ${input.envelopes.length}: exactly these ${service} (the scripted client sends none)`,
  );
}

export function printReport(input: ReportInput): void {
  const nodes = buildNodes(input);
  printHops(input);
  console.log('\n2. The traces, as the envelopes tell them (service, span name, [op], span id, status):');
  printTrees(input, nodes);
  printErrorAndReplay(input, nodes);
  printEnvelopes(input);
  printHooks(input);
}
