/**
 * Sentry envelopes: `Headers { "\n" Item } [ "\n" ]`, `Item = Headers "\n" Payload`.
 *
 * Every item is written with its `length` (payload bytes), so payloads may hold
 * newlines and binary data, and any reader can skip items it does not know.
 */
import type { DynamicSamplingContext } from './dsc.js';
import type { SdkInfo } from './dsn.js';
import { safeStringify } from './safe-json.js';

/** Envelope headers. */
export interface EnvelopeHeaders {
  /** 32 lowercase hex; required with `event` and `transaction` items. */
  event_id?: string;
  /** RFC 3339 UTC time of sending; lets Relay correct clock drift. */
  sent_at?: string;
  sdk?: SdkInfo;
  /** The trace's DSC, keys without `sentry-`. */
  trace?: DynamicSamplingContext;
  /** Only when sending through a tunnel. */
  dsn?: string;
  [key: string]: unknown;
}

/** Item headers. `length` is written by the serializer. */
export interface EnvelopeItemHeaders {
  type: string;
  length?: number;
  content_type?: string;
  filename?: string;
  attachment_type?: string;
  [key: string]: unknown;
}

/**
 * An item's payload: a JSON value, or text / bytes to be sent as they are.
 * {@link parseEnvelope} gives parsed JSON for JSON items and bytes for the others.
 */
export type EnvelopePayload = unknown;

/** One envelope item. */
export interface EnvelopeItem {
  headers: EnvelopeItemHeaders;
  payload: EnvelopePayload;
}

/** An envelope: headers and items, in order. */
export interface Envelope {
  headers: EnvelopeHeaders;
  items: EnvelopeItem[];
}

/** Builds an envelope. */
export function createEnvelope(headers: EnvelopeHeaders, items: EnvelopeItem[] = []): Envelope {
  return { headers, items };
}

/** Appends an item to `envelope` and returns it. */
export function addEnvelopeItem(envelope: Envelope, item: EnvelopeItem): Envelope {
  envelope.items.push(item);
  return envelope;
}

/** Rate-limit and client-report categories (Relay's `DataCategory` names). */
export type DataCategory =
  | 'default'
  | 'error'
  | 'transaction'
  | 'span'
  | 'session'
  | 'attachment'
  | 'profile'
  | 'replay'
  | 'monitor'
  | 'log_item'
  | 'security'
  | 'feedback'
  | 'metric'
  | 'internal';

const ITEM_CATEGORY: ReadonlyMap<string, DataCategory> = new Map<string, DataCategory>([
  ['event', 'error'],
  ['transaction', 'transaction'],
  ['span', 'span'],
  ['session', 'session'],
  ['sessions', 'session'],
  ['client_report', 'internal'],
  ['attachment', 'attachment'],
  ['profile', 'profile'],
  ['profile_chunk', 'profile'],
  ['replay_event', 'replay'],
  ['replay_recording', 'replay'],
  ['replay_video', 'replay'],
  ['check_in', 'monitor'],
  ['log', 'log_item'],
  ['otel_log', 'log_item'],
  ['raw_security', 'security'],
  ['feedback', 'feedback'],
  ['user_report', 'default'],
  ['trace_metric', 'metric'],
]);

/** The rate-limit category of an item type (`event` → `error`, ...); unknown types → `default`. */
export function itemTypeToCategory(type: string): DataCategory {
  return ITEM_CATEGORY.get(type) ?? 'default';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type ByteLength = (text: string) => number;
const nodeBuffer = (globalThis as { Buffer?: { byteLength(s: string, e: string): number } }).Buffer;

// Counting UTF-8 bytes is the one cost our envelopes pay over Sentry's (which omit `length`).
// `encodeInto` a reused scratch buffer counts about twice as fast as Node's `Buffer.byteLength`
// (0.4 against 0.8 µs for a 7.7 kB payload, Node 20); the buffer holds 3 bytes per UTF-16 unit,
// the most one can take, so `written` is the whole string's length. Payloads longer than it
// (rare: 64 Ki units) are counted without it, so the buffer stays at 192 KiB.
const SCRATCH_UNITS = 65_536;
let scratch: Uint8Array | undefined;
const byteLength: ByteLength = (text) => {
  if (text.length <= SCRATCH_UNITS) {
    scratch ??= new Uint8Array(SCRATCH_UNITS * 3);
    return encoder.encodeInto(text, scratch).written;
  }
  return nodeBuffer ? nodeBuffer.byteLength(text, 'utf8') : encoder.encode(text).length;
};

function itemHeaderText(headers: EnvelopeItemHeaders, length: number): string {
  if (headers.length !== undefined) return safeStringify({ ...headers, length });
  const text = safeStringify(headers);
  return text.length <= 2 ? `{"length":${length}}` : `${text.slice(0, -1)},"length":${length}}`;
}

function payloadText(payload: EnvelopePayload): string {
  return typeof payload === 'string' ? payload : safeStringify(payload);
}

/**
 * Serializes an envelope. Returns a string, or bytes when an item has a binary
 * (`Uint8Array`) payload. Never throws: values JSON cannot hold are replaced.
 */
export function serializeEnvelope(envelope: Envelope): string | Uint8Array {
  return serializeEnvelopeSized(envelope).body;
}

/** A serialized envelope with its size on the wire. */
export interface SizedEnvelope {
  /** What {@link serializeEnvelope} returns. */
  readonly body: string | Uint8Array;
  /** UTF-8 bytes of `body` (its length when it is bytes): what `Content-Length` says. */
  readonly bytes: number;
}

/**
 * {@link serializeEnvelope}, with the body's UTF-8 byte count. The serializer counts each
 * payload's bytes for its `length` anyway. Counting a string built of many pieces flattens it
 * (V8 copies it into one string, and the rope then points at that copy), whether by `encodeInto`
 * or by Node's `Buffer.byteLength`; counting the finished body again would make a second flat
 * copy, of all of it, which an envelope in flight keeps beside its payload until its answer. A
 * transport given the count sends the body with one more pass over it, the write. Never throws.
 */
export function serializeEnvelopeSized(envelope: Envelope): SizedEnvelope {
  for (const item of envelope.items) {
    if (item.payload instanceof Uint8Array) {
      const bytes = serializeEnvelopeBytes(envelope);
      return { body: bytes, bytes: bytes.length };
    }
  }
  let out = safeStringify(envelope.headers);
  let bytes = byteLength(out);
  for (const item of envelope.items) {
    const text = payloadText(item.payload);
    const length = byteLength(text);
    const headerText = itemHeaderText(item.headers, length);
    // Two newlines, the item headers (ASCII unless a caller put other text in them), the payload.
    bytes += 2 + byteLength(headerText) + length;
    out += `\n${headerText}\n${text}`;
  }
  return { body: out, bytes };
}

/** Serializes an envelope to UTF-8 bytes, whatever its payloads. Never throws. */
export function serializeEnvelopeBytes(envelope: Envelope): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(safeStringify(envelope.headers))];
  for (const item of envelope.items) {
    const payload = item.payload instanceof Uint8Array ? item.payload : encoder.encode(payloadText(item.payload));
    parts.push(encoder.encode(`\n${itemHeaderText(item.headers, payload.length)}\n`), payload);
  }
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const BINARY_ITEM_TYPES = new Set(['attachment', 'replay_recording', 'replay_video']);

function isJsonItem(headers: EnvelopeItemHeaders): boolean {
  if (BINARY_ITEM_TYPES.has(headers.type)) return false;
  // Headers come from the wire: a `content_type` that is not a string is treated as absent.
  const ct: unknown = headers.content_type;
  return typeof ct !== 'string' || ct === 'application/json' || ct.startsWith('application/json;');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Only an envelope of ASCII text can be cut by string index, since `length` counts bytes.
// A string is ASCII exactly when its UTF-8 length is its length.
const isAscii = (text: string): boolean => byteLength(text) === text.length;

/**
 * Largest envelope read, in bytes: Relay's limit for a whole envelope. A longer input is not
 * an envelope anyone would accept, and is not read.
 */
export const ENVELOPE_MAX_BYTES = 200 * 1024 * 1024;

/**
 * Parses an envelope from a string or UTF-8 bytes. Tolerates a trailing newline,
 * items without `length` and unknown item types. JSON items get their parsed payload (or
 * their text, when it is not JSON); binary items (attachments, replay recordings, non-JSON
 * content types) get bytes. Returns `undefined` for input that is not an envelope, and for
 * input longer than {@link ENVELOPE_MAX_BYTES}. Linear in its input. Never throws.
 */
export function parseEnvelope(input: string | Uint8Array): Envelope | undefined {
  const reading = read(input, false);
  return reading?.complete ? reading.envelope : undefined;
}

/** What {@link salvageEnvelope} could read of an envelope that may be cut short or damaged. */
export interface SalvagedEnvelope {
  /** The headers and the items read whole (a JSON item only when its payload is JSON). */
  readonly envelope: Envelope;
  /** Headers of the items that were not whole: cut short, or a JSON payload that is not JSON. */
  readonly damaged: EnvelopeItemHeaders[];
  /** Whether the whole input was read; `false` when an unreadable item header stopped the reading. */
  readonly complete: boolean;
}

/**
 * Reads what can be read of an envelope that may be damaged — a file cut short by a crash,
 * or overwritten — so that what it held can be counted and what is whole sent on. Returns
 * `undefined` when not even the envelope headers can be read. Never throws.
 */
export function salvageEnvelope(input: string | Uint8Array): SalvagedEnvelope | undefined {
  return read(input, true);
}

function read(input: string | Uint8Array, salvage: boolean): SalvagedEnvelope | undefined {
  try {
    if (typeof input === 'string') {
      // A UTF-16 unit is at least one byte: a string this long is too long in bytes too.
      if (input.length > ENVELOPE_MAX_BYTES) return undefined;
      return readSource(isAscii(input) ? asciiSource(input) : byteSource(encoder.encode(input)), salvage);
    }
    return input instanceof Uint8Array ? readSource(byteSource(input), salvage) : undefined;
  } catch {
    return undefined;
  }
}

/** What the parser needs of its input; positions are bytes (or chars, for ASCII text). */
interface Source {
  readonly length: number;
  newline(from: number): number;
  text(start: number, end: number): string;
  bytes(start: number, end: number): Uint8Array;
}

function asciiSource(text: string): Source {
  return {
    length: text.length,
    newline: (from) => text.indexOf('\n', from),
    text: (start, end) => text.slice(start, end),
    bytes: (start, end) => encoder.encode(text.slice(start, end)),
  };
}

function byteSource(data: Uint8Array): Source {
  return {
    length: data.length,
    newline: (from) => data.indexOf(10, from),
    text: (start, end) => decoder.decode(data.subarray(start, end)),
    bytes: (start, end) => data.slice(start, end),
  };
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

// One pass: every search starts where the last one ended. Strict reading gives up on the
// first item that cannot be read; salvaging stops there, noting what it was when it can.
function readSource(src: Source, salvage: boolean): SalvagedEnvelope | undefined {
  if (src.length > ENVELOPE_MAX_BYTES) return undefined;
  let nl = src.newline(0);
  const headers = parseJson(src.text(0, nl === -1 ? src.length : nl));
  if (!isObject(headers)) return undefined;
  const items: EnvelopeItem[] = [];
  const damaged: EnvelopeItemHeaders[] = [];
  const envelope: Envelope = { headers: headers as EnvelopeHeaders, items };
  let pos = nl === -1 ? src.length : nl + 1;
  while (pos < src.length) {
    nl = src.newline(pos);
    const headerEnd = nl === -1 ? src.length : nl;
    if (headerEnd === pos) {
      pos++; // a blank line (a trailing newline): nothing to read
      continue;
    }
    const itemHeaders = parseJson(src.text(pos, headerEnd));
    if (!isObject(itemHeaders) || typeof itemHeaders.type !== 'string') {
      return salvage ? { envelope, damaged, complete: false } : undefined;
    }
    const h = itemHeaders as EnvelopeItemHeaders;
    pos = Math.min(headerEnd + 1, src.length);
    const length = itemHeaders.length;
    let end: number;
    if (typeof length === 'number' && Number.isInteger(length) && length >= 0) {
      end = pos + length;
      if (end > src.length) {
        if (!salvage) return undefined;
        damaged.push(h);
        return { envelope, damaged, complete: true };
      }
    } else {
      const next = src.newline(pos);
      end = next === -1 ? src.length : next;
    }
    if (isJsonItem(h)) {
      const text = src.text(pos, end);
      const payload = text === '' ? {} : parseJson(text);
      if (payload !== NOT_JSON) items.push({ headers: h, payload });
      // A JSON item whose payload is not JSON: kept as its text when parsing, damaged when salvaging.
      else if (salvage) damaged.push(h);
      else items.push({ headers: h, payload: text });
    } else {
      items.push({ headers: h, payload: src.bytes(pos, end) });
    }
    pos = end + 1;
  }
  return { envelope, damaged, complete: true };
}
