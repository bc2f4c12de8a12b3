/**
 * Wire format shared by every transport (JSON text, UTF-8). Version field `v` = 1.
 *
 * Event:   {"v":1,"gateway":"kraken_gateway","type":"fill","id":"…","ts":1700000000000,"data":{…}}
 * Request: {"v":1,"id":"<correlation id>","cmd":"allocate","payload":{…},
 *           "key":"<idempotency key, optional>","deadline":<epoch ms, optional>,
 *           "replyTo":"deskgate:reply:<client id>" on Redis, "_INBOX.<…>" on the NATS command queue
 *                     (plain NATS request/reply answers the message's own reply subject)}
 * Reply:   {"v":1,"id":"<same id>","ok":true,"result":…}
 *          {"v":1,"id":"<same id>","ok":false,"code":"DG_E_…","message":"…"}
 */
import { z } from 'zod';
import { ERRORS, dgError, type DeskgateError, type ErrorCode } from '../core/errors.js';
import { EVENT_TYPE, GATEWAY_NAME, NATS_REPLY_SUBJECT, REDIS_REPLY_KEY } from './names.js';

export const WIRE_VERSION = 1;
/** Largest request, reply or event accepted (bytes of JSON). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const id = z.string().min(1).max(128);
/** Command names: a word (the router decides which exist). */
export const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export const eventSchema = z.object({
  v: z.literal(WIRE_VERSION),
  gateway: z.string().regex(GATEWAY_NAME),
  type: z.string().regex(EVENT_TYPE),
  id,
  ts: z.number().int().nonnegative(),
  data: z.unknown(),
});
export type BusEvent = z.infer<typeof eventSchema>;

export const requestSchema = z.object({
  v: z.literal(WIRE_VERSION),
  id,
  cmd: z.string().regex(COMMAND_NAME, 'command name must be a word of at most 64 characters'),
  payload: z.unknown().optional(),
  key: z.string().min(1).max(256).optional(),
  deadline: z.number().int().nonnegative().optional(),
  replyTo: z.string().regex(REDIS_REPLY_KEY).optional(),
});
export type CommandRequest = z.infer<typeof requestSchema>;
/** The same request on NATS: `replyTo` is a `_INBOX.` subject. */
const natsRequestSchema = requestSchema.extend({ replyTo: z.string().regex(NATS_REPLY_SUBJECT).optional() });
/** Which kind of `replyTo` a transport accepts (Redis keys, local bus: ignored; NATS subjects). */
export type ReplyKind = 'redis' | 'nats';
const REPLY_PATTERN: Record<ReplyKind, RegExp> = { redis: REDIS_REPLY_KEY, nats: NATS_REPLY_SUBJECT };

/** Replies to requests whose id could not be read carry id "". */
const replyId = z.string().max(128);
const errorCode = z.string().refine((c): c is ErrorCode => Object.hasOwn(ERRORS, c), 'unknown error code');
export const replySchema = z.discriminatedUnion('ok', [
  z.object({ v: z.literal(WIRE_VERSION), id: replyId, ok: z.literal(true), result: z.unknown() }),
  z.object({ v: z.literal(WIRE_VERSION), id: replyId, ok: z.literal(false), code: errorCode, message: z.string() }),
]);

export type CommandReply =
  | { readonly v: 1; readonly id: string; readonly ok: true; readonly result: unknown }
  | { readonly v: 1; readonly id: string; readonly ok: false; readonly code: ErrorCode; readonly message: string };

export function errorReply(reqId: string, e: DeskgateError): CommandReply {
  return { v: WIRE_VERSION, id: reqId, ok: false, code: e.code, message: e.message };
}

/** Bytes → text, refusing oversize input and invalid UTF-8 with DG_E_BUS_TOO_LARGE / DG_E_BUS_BAD_REQUEST. */
export function decodeText(raw: string | Uint8Array): string {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > MAX_MESSAGE_BYTES) throw dgError('DG_E_BUS_TOO_LARGE', `${size} bytes > ${MAX_MESSAGE_BYTES}`);
  if (typeof raw === 'string') return raw;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw dgError('DG_E_BUS_BAD_REQUEST', 'not UTF-8');
  }
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: CommandRequest }
  | {
      readonly ok: false;
      readonly error: DeskgateError;
      readonly id: string | undefined;
      readonly replyTo: string | undefined;
    };

/**
 * Parse a request. On failure, still recover the id and replyTo when they are usable, so the sender
 * gets an error reply. `replyKind` says which `replyTo` is valid (default Redis keys).
 */
export function parseRequest(raw: string | Uint8Array, replyKind: ReplyKind = 'redis'): ParsedRequest {
  let text: string;
  try {
    text = decodeText(raw);
  } catch (e) {
    return { ok: false, error: e as DeskgateError, id: undefined, replyTo: undefined };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: dgError('DG_E_BUS_BAD_REQUEST', 'not JSON'), id: undefined, replyTo: undefined };
  }
  const r = (replyKind === 'nats' ? natsRequestSchema : requestSchema).safeParse(json);
  if (r.success) return { ok: true, request: r.data };
  const obj = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const rid = id.safeParse(obj.id);
  const pattern = REPLY_PATTERN[replyKind];
  const reply = typeof obj.replyTo === 'string' && pattern.test(obj.replyTo) ? obj.replyTo : undefined;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'request';
  return {
    ok: false,
    error: dgError('DG_E_BUS_BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`),
    id: rid.success ? rid.data : undefined,
    replyTo: reply,
  };
}

/** Parse a reply; anything unexpected becomes DG_E_BUS_BAD_REPLY. */
export function parseReply(raw: string | Uint8Array): CommandReply | DeskgateError {
  try {
    const r = replySchema.safeParse(JSON.parse(decodeText(raw)));
    if (r.success) return r.data as CommandReply;
    return dgError('DG_E_BUS_BAD_REPLY', r.error.issues[0]?.message);
  } catch {
    return dgError('DG_E_BUS_BAD_REPLY', 'not JSON');
  }
}

/** Parse an event; undefined if it is not one (subscribers count and drop those). */
export function parseEvent(raw: string | Uint8Array): BusEvent | undefined {
  try {
    const r = eventSchema.safeParse(JSON.parse(decodeText(raw)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
