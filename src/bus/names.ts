/**
 * Names on the wire. Every name embeds the gateway name, so several gateways share one Redis or
 * NATS server without clashing.
 *
 *   Redis events      PUBLISH deskgate:<gateway>:evt:<type>
 *   Redis commands    LPUSH   deskgate:<gateway>:cmd            (the gateway BLMOVEs it into …)
 *   Redis in progress         deskgate:<gateway>:cmd:processing (… until its reply is pushed)
 *   Redis replies     LPUSH   deskgate:reply:<client id>        (the client BRPOPs it; expires)
 *   Redis attempts    HASH    deskgate:<gateway>:cmd:attempts   (request id → times taken, while unanswered)
 *   Redis dead letter LIST    deskgate:<gateway>:cmd:dead       (requests refused DG_E_BUS_POISON, newest first)
 *   NATS events       deskgate.<gateway>.evt.<type>
 *   NATS commands     JetStream publish on deskgate.<gateway>.cmdq (work-queue stream
 *                     DESKGATECMD_<GATEWAY>, durable pull consumer `deskgate`), reply to the
 *                     request's replyTo (`_INBOX.…`); or plain request/reply on deskgate.<gateway>.cmd
 *   NATS attempts     KV bucket deskgate_<gateway>_attempts     (request id, base64url → times taken)
 *   NATS dead letter  deskgate.<gateway>.cmd.dead in stream DESKGATEDEAD_<GATEWAY> (poison requests)
 *   JetStream stream  DESKGATE_<GATEWAY> over deskgate.<gateway>.evt.order and .evt.fill
 */
import { dgError } from '../core/errors.js';

/** Gateway names: letters, digits, `_` and `-` (no `.`, `:`, `*`, `>` or spaces — they mean something on the wire). */
export const GATEWAY_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Event types: lower-case word. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]{0,31}$/;
/** Reply keys a Redis client may ask the gateway to push to. */
export const REDIS_REPLY_PREFIX = 'deskgate:reply:';
export const REDIS_REPLY_KEY = /^deskgate:reply:[A-Za-z0-9_.-]{8,128}$/;
/** Reply subjects a NATS client may ask the gateway to publish to (a `_INBOX.` subject, no wildcards). */
export const NATS_REPLY_SUBJECT = /^_INBOX\.[A-Za-z0-9_-]{8,64}(?:\.[A-Za-z0-9_-]{1,64}){0,2}$/;
/** The durable pull consumer the gateway takes queued NATS commands with. */
export const NATS_CMD_CONSUMER = 'deskgate';

/** Deliveries of one command request, across restarts, before it is refused DG_E_BUS_POISON. */
export const DEFAULT_MAX_DELIVERIES = 3;
/** Dead-letter lists/streams keep at most this many poison requests. */
export const DEAD_LETTER_MAX = 1000;

/** The event types the gateway kernel publishes; others matching EVENT_TYPE are allowed. */
export const CORE_EVENT_TYPES = ['order', 'fill', 'balance', 'book'] as const;
/** Event types kept in the JetStream stream by default. */
export const DURABLE_EVENT_TYPES = ['order', 'fill'] as const;

export function checkGateway(name: string): string {
  if (typeof name !== 'string' || !GATEWAY_NAME.test(name))
    throw dgError('DG_E_BUS_BAD_NAME', `gateway ${JSON.stringify(String(name).slice(0, 80))}`);
  return name;
}

export function checkEventType(type: string): string {
  if (typeof type !== 'string' || !EVENT_TYPE.test(type))
    throw dgError('DG_E_BUS_BAD_NAME', `event type ${JSON.stringify(String(type).slice(0, 40))}`);
  return type;
}

export const redisNames = {
  evt: (gateway: string, type: string): string => `deskgate:${checkGateway(gateway)}:evt:${checkEventType(type)}`,
  evtPattern: (gateway: string): string => `deskgate:${checkGateway(gateway)}:evt:*`,
  cmd: (gateway: string): string => `deskgate:${checkGateway(gateway)}:cmd`,
  /** Requests the gateway has taken and not answered yet (re-handled when it starts). */
  cmdProcessing: (gateway: string): string => `deskgate:${checkGateway(gateway)}:cmd:processing`,
  /** Hash: request id → how many times it was taken without an answer (across restarts). */
  cmdAttempts: (gateway: string): string => `deskgate:${checkGateway(gateway)}:cmd:attempts`,
  /** Requests refused DG_E_BUS_POISON (newest first, capped), for an operator to inspect. */
  cmdDead: (gateway: string): string => `deskgate:${checkGateway(gateway)}:cmd:dead`,
};

export const natsNames = {
  evt: (gateway: string, type: string): string => `deskgate.${checkGateway(gateway)}.evt.${checkEventType(type)}`,
  evtAll: (gateway: string): string => `deskgate.${checkGateway(gateway)}.evt.*`,
  cmd: (gateway: string): string => `deskgate.${checkGateway(gateway)}.cmd`,
  /** At-least-once commands: the subject of the gateway's work-queue stream. */
  cmdQueue: (gateway: string): string => `deskgate.${checkGateway(gateway)}.cmdq`,
  /**
   * The work-queue stream. Its own prefix: `DESKGATE_<GW>_CMD` could be the event stream of a
   * gateway named `<gw>_cmd`.
   */
  cmdStream: (gateway: string): string => `DESKGATECMD_${checkGateway(gateway).toUpperCase().replace(/-/g, '_')}`,
  /** KV bucket counting how many times each queued request was taken (across restarts). */
  attemptsBucket: (gateway: string): string => `deskgate_${checkGateway(gateway)}_attempts`,
  /** The stream behind attemptsBucket (delete it with the gateway's other streams). */
  attemptsStream: (gateway: string): string => `KV_deskgate_${checkGateway(gateway)}_attempts`,
  /** Where requests refused DG_E_BUS_POISON are kept. */
  cmdDead: (gateway: string): string => `deskgate.${checkGateway(gateway)}.cmd.dead`,
  /** The dead-letter stream over cmdDead. */
  deadStream: (gateway: string): string => `DESKGATEDEAD_${checkGateway(gateway).toUpperCase().replace(/-/g, '_')}`,
  /** JetStream stream names may not hold `.`, `*`, `>`; upper-cased, `-` becomes `_`. */
  stream: (gateway: string): string => `DESKGATE_${checkGateway(gateway).toUpperCase().replace(/-/g, '_')}`,
};
