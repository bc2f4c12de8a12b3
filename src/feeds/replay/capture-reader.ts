/**
 * Capture readers for the replay tool. Two formats:
 *
 * 1. cryptofeed's raw-data capture (what /work/shared/data/cryptofeed holds), one record a line:
 *      <url> <-> <ts>                 connection opened
 *      <url> <- <ts>: <frame>         frame we sent (subscriptions)
 *      <ts>: <frame>                  frame received
 *      <url> -> <ts>: <body>          REST reply (the `.http.` files)
 *    <ts> is Unix seconds with a fraction (e.g. 1619378326.664499).
 * 2. JSON lines: each line is one raw received frame ({…} or […]); a line may also be an object
 *    {"ts": <ms>, "frame": "<text>"} to carry a receive time. Without a time, the line number is
 *    used (ms) so order is kept.
 *
 * Lines that fit neither are reported as `bad` records (DG_E_BAD_FRAME), never thrown.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export type CaptureRecord =
  | { readonly kind: 'connect'; readonly url: string; readonly ts: number; readonly line: number }
  | { readonly kind: 'sent'; readonly url: string; readonly ts: number; readonly frame: string; readonly line: number }
  | { readonly kind: 'recv'; readonly ts: number; readonly frame: string; readonly line: number }
  | { readonly kind: 'http'; readonly url: string; readonly ts: number; readonly body: string; readonly line: number }
  | { readonly kind: 'bad'; readonly text: string; readonly line: number };

const CONNECT = /^(\S+) <-> (\d+(?:\.\d+)?)$/;
const SENT = /^(\S+) <- (\d+(?:\.\d+)?): (.*)$/;
const HTTP = /^(\S+) -> (\d+(?:\.\d+)?): (.*)$/;
const RECV = /^(\d+(?:\.\d+)?): (.*)$/;

/** Unix seconds with a fraction → integer ms (rounded to the nearest ms). */
export function secondsToMs(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return Number(text) * 1000;
  const frac = (text.slice(dot + 1) + '000').slice(0, 4);
  const ms = Number(text.slice(0, dot)) * 1000 + Number(frac.slice(0, 3));
  return Number(frac[3]) >= 5 ? ms + 1 : ms;
}

/** Parse one line (1-based line number for reports). Empty lines give undefined. */
export function parseCaptureLine(text: string, line: number): CaptureRecord | undefined {
  const t = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (t.trim().length === 0) return undefined;
  const c0 = t.charCodeAt(0);
  if (c0 === 123 /* { */ || c0 === 91 /* [ */) return jsonLine(t, line);
  let m = RECV.exec(t);
  if (m) return { kind: 'recv', ts: secondsToMs(m[1]), frame: m[2], line };
  m = SENT.exec(t);
  if (m) return { kind: 'sent', url: m[1], ts: secondsToMs(m[2]), frame: m[3], line };
  m = HTTP.exec(t);
  if (m) return { kind: 'http', url: m[1], ts: secondsToMs(m[2]), body: m[3], line };
  m = CONNECT.exec(t);
  if (m) return { kind: 'connect', url: m[1], ts: secondsToMs(m[2]), line };
  return { kind: 'bad', text: t.slice(0, 120), line };
}

function jsonLine(t: string, line: number): CaptureRecord {
  if (t.charCodeAt(0) === 123 && t.startsWith('{"ts":')) {
    try {
      const o = JSON.parse(t) as { ts?: unknown; frame?: unknown };
      if (typeof o.ts === 'number' && typeof o.frame === 'string' && Object.keys(o).length === 2) {
        return { kind: 'recv', ts: o.ts, frame: o.frame, line };
      }
    } catch {
      // fall through: treat the line as a raw frame; the decoder reports bad JSON
    }
  }
  return { kind: 'recv', ts: line, frame: t, line };
}

/** Parse a whole capture held in memory. */
export function parseCapture(text: string): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const r = parseCaptureLine(text.slice(start, end), line);
    if (r) out.push(r);
    start = end + 1;
  }
  return out;
}

/** Stream a capture file record by record (constant memory per line). */
export async function* readCapture(path: string): AsyncGenerator<CaptureRecord> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    const r = parseCaptureLine(text, line);
    if (r) yield r;
  }
}
