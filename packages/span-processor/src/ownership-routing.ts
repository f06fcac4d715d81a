/**
 * Ownership routing: tags spans and events with the team that owns them, so alerts go to
 * that team. Built only on client hooks, as the reference for integrations.
 *
 * Like a React error boundary, ownership is inherited: a span no rule claims belongs to the
 * team of its nearest claimed ancestor. Rules are evaluated
 * - at `spanStart`, on what the span has then (name, scope, start attributes); a team found
 *   is written as the span attribute `team`, so every exporter sees it;
 * - again at `transactionEnd`, on final attributes (`http.route` is often set late), which
 *   decides the tag;
 * - at `beforeSendEvent` (emitted by the exporter on a shared client), the owning team of the
 *   event's span becomes the event tag `team`, on transactions and errors alike.
 */
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import {
  arrayOption,
  failOption,
  type HookRegistry,
  optionsObject,
  type ReadableSpanLike,
  reportUnknownOptions,
  type SentryEvent,
  stringOption,
} from '@otel-sentry/core';
import { processorDiag } from './diag.js';
import type { AttributeMatcher, Integration, OwnershipRoutingOptions, OwnershipRule } from './types.js';

const C = 'otel-sentry/ownership-routing';
const KNOWN = new Set(['rules', 'key', 'fallbackTeam']);

/** Most span ids whose team is remembered for tagging events (oldest forgotten first). */
const MAX_REMEMBERED_SPANS = 10_000;

/** The integration `ownershipRouting` returns. */
export interface OwnershipRouting extends Integration {
  /** The team owning the span with this id, as last decided, if remembered. */
  teamOf(spanId: string): string | undefined;
}

type Test = (value: unknown) => boolean;

interface CompiledRule {
  readonly team: string;
  readonly route: Test | undefined;
  readonly scope: Test | undefined;
  readonly name: Test | undefined;
  readonly attributes: ReadonlyArray<readonly [string, Test]>;
}

/** What a rule is matched against. */
interface SpanFacts {
  readonly name: string;
  readonly scope: string | undefined;
  readonly attributes: Attributes;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[\\^$.+?()[\]{}|/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

function compileMatcher(matcher: AttributeMatcher, where: string): Test {
  if (matcher instanceof RegExp) {
    // A global or sticky expression keeps state between tests; a copy without those flags does not.
    const re = new RegExp(matcher.source, matcher.flags.replace(/[gy]/g, ''));
    return (value) => typeof value === 'string' && re.test(value);
  }
  if (typeof matcher === 'string') {
    if (!matcher.includes('*')) return (value) => value === matcher;
    const re = globToRegExp(matcher);
    return (value) => typeof value === 'string' && re.test(value);
  }
  if (typeof matcher === 'number' || typeof matcher === 'boolean') return (value) => value === matcher;
  failOption(C, where, 'a string, number, boolean or RegExp', matcher);
}

function compileRule(rule: OwnershipRule, index: number): CompiledRule {
  if (typeof rule?.team !== 'string' || rule.team === '') {
    failOption(C, `rules[${index}].team`, 'a non-empty team name', rule?.team);
  }
  const attributes: Array<readonly [string, Test]> = [];
  for (const [key, matcher] of Object.entries(rule.attributes ?? {})) {
    attributes.push([key, compileMatcher(matcher, `rules[${index}].attributes[${JSON.stringify(key)}]`)]);
  }
  const compiled: CompiledRule = {
    team: rule.team,
    route: rule.route === undefined ? undefined : compileMatcher(rule.route, `rules[${index}].route`),
    scope: rule.scope === undefined ? undefined : compileMatcher(rule.scope, `rules[${index}].scope`),
    name: rule.name === undefined ? undefined : compileMatcher(rule.name, `rules[${index}].name`),
    attributes,
  };
  if (!compiled.route && !compiled.scope && !compiled.name && attributes.length === 0) {
    failOption(C, `rules[${index}]`, 'a rule with a criterion (route, scope, name or attributes)', rule);
  }
  return compiled;
}

function matches(rule: CompiledRule, facts: SpanFacts): boolean {
  if (rule.route !== undefined && !rule.route(facts.attributes['http.route'])) return false;
  if (rule.scope !== undefined && !rule.scope(facts.scope)) return false;
  if (rule.name !== undefined && !rule.name(facts.name)) return false;
  for (const [key, test] of rule.attributes) if (!test(facts.attributes[key])) return false;
  return true;
}

interface StartedSpanFacts extends Span {
  readonly name?: string;
  readonly attributes?: Attributes;
  readonly instrumentationScope?: { readonly name: string };
}

/**
 * Creates the ownership-routing integration. Install it with `integration.setup(processor)`
 * (or a shared client); the returned function of `setup` removes it.
 *
 * @throws InvalidOptionError (core) for an option that cannot work — a rule without a team or
 * without any criterion, a matcher of the wrong type — naming it, what was given and what is
 * expected. Unknown option names are reported through `diag`.
 */
export function ownershipRouting(options: OwnershipRoutingOptions): OwnershipRouting {
  const o = optionsObject(C, options, '{ rules: [{ team, route }] }');
  reportUnknownOptions(C, o, KNOWN);
  const given = arrayOption<OwnershipRule>(C, 'rules', o.rules, () => true, 'an array of rules') ?? [];
  const rules = given.map(compileRule);
  const key = stringOption(C, 'key', o.key) ?? 'team';
  const fallbackTeam = stringOption(C, 'fallbackTeam', o.fallbackTeam);
  // span id -> team: bounded, insertion-ordered, so the oldest entry is evicted first.
  const teams = new Map<string, string>();

  const remember = (spanId: string, team: string): void => {
    teams.delete(spanId);
    teams.set(spanId, team);
    if (teams.size > MAX_REMEMBERED_SPANS) teams.delete(teams.keys().next().value!);
  };

  const claim = (facts: SpanFacts): string | undefined => {
    for (const rule of rules) if (matches(rule, facts)) return rule.team;
    return undefined;
  };

  const onSpanStart = (span: StartedSpanFacts, parentContext: Context): void => {
    const facts: SpanFacts = {
      name: span.name ?? '',
      scope: span.instrumentationScope?.name,
      attributes: span.attributes ?? {},
    };
    let team = claim(facts);
    if (team === undefined) {
      const parent = trace.getSpan(parentContext);
      if (parent !== undefined) team = teams.get(parent.spanContext().spanId);
    }
    team ??= fallbackTeam;
    if (team === undefined) return;
    remember(span.spanContext().spanId, team);
    span.setAttribute(key, team);
  };

  const onTransactionEnd = (root: ReadableSpanLike, spans: ReadableSpanLike[]): void => {
    // Final attributes decide; spans are walked parent first so inheritance sees the
    // parent's final team.
    const byId = new Map<string, ReadableSpanLike>();
    for (const span of spans) byId.set(span.spanContext().spanId, span);
    const decided = new Map<string, string | undefined>();
    const decide = (span: ReadableSpanLike, depth: number): string | undefined => {
      const id = span.spanContext().spanId;
      if (decided.has(id)) return decided.get(id);
      let team = claim({ name: span.name, scope: span.instrumentationScope.name, attributes: span.attributes });
      if (team === undefined) {
        const parentId = span.parentSpanContext?.spanId;
        const parent = parentId === undefined ? undefined : byId.get(parentId);
        if (parent !== undefined && depth < spans.length) team = decide(parent, depth + 1);
        else if (parentId !== undefined) team = teams.get(parentId);
      }
      team ??= teams.get(id) ?? fallbackTeam;
      decided.set(id, team);
      return team;
    };
    decide(root, 0);
    for (const span of spans) {
      const team = decide(span, 0);
      if (team !== undefined) remember(span.spanContext().spanId, team);
    }
  };

  const onBeforeSendEvent = (event: SentryEvent): void => {
    const spanId = event.contexts?.trace?.span_id;
    if (typeof spanId !== 'string') return;
    const team = teams.get(spanId);
    if (team === undefined) return;
    event.tags ??= {};
    if (event.tags[key] === undefined) event.tags[key] = team;
  };

  return {
    name: 'OwnershipRouting',
    teamOf: (spanId) => teams.get(spanId),
    setup(target: HookRegistry): () => void {
      const off = [
        target.on('spanStart', (span, parentContext) => onSpanStart(span as StartedSpanFacts, parentContext)),
        target.on('transactionEnd', onTransactionEnd),
        target.on('beforeSendEvent', onBeforeSendEvent),
      ];
      processorDiag.debug(`ownership routing installed with ${rules.length} rules`);
      return () => {
        for (const unsubscribe of off) unsubscribe();
      };
    },
  };
}
