/** Turn an EventInput into the wire event (validated name, id, clock time, size-checked JSON). */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { dgError, type ErrorCounter } from '../core/errors.js';
import type { EventInput } from './bus.js';
import { checkEventType } from './names.js';
import { MAX_MESSAGE_BYTES, WIRE_VERSION, type BusEvent } from './wire.js';

export function buildEvent(gateway: string, input: EventInput, clock: Clock): { event: BusEvent; json: string } {
  const event: BusEvent = {
    v: WIRE_VERSION,
    gateway,
    type: checkEventType(input.type),
    id: input.id ?? randomUUID(),
    ts: clock.now(),
    data: input.data ?? null,
  };
  if (event.id.length === 0 || event.id.length > 128)
    throw dgError('DG_E_BUS_BAD_NAME', 'event id must be 1..128 characters');
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch {
    throw dgError('DG_E_BAD_INPUT', 'event data is not JSON-serialisable');
  }
  if (Buffer.byteLength(json) > MAX_MESSAGE_BYTES) throw dgError('DG_E_BUS_TOO_LARGE', 'event');
  return { event, json };
}

/** Call a subscriber; a subscriber that throws is counted (DG_E_INTERNAL) and never breaks the bus. */
export function deliverSafely(onEvent: (e: BusEvent) => void, e: BusEvent, errors: ErrorCounter): void {
  try {
    onEvent(e);
  } catch {
    errors.record(dgError('DG_E_INTERNAL', `subscriber threw on ${e.type} event`));
  }
}
