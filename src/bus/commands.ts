/**
 * Command handling shared by every transport: validate the request at the edge, enforce the
 * deadline, run the handler, and turn whatever happens into a reply with a stable code. Nothing a
 * client sends can crash the server: a throwing handler becomes DG_E_INTERNAL (or its own code).
 */
import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { asDeskgateError, dgError, isDeskgateError, type DeskgateError } from '../core/errors.js';
import { WIRE_VERSION, errorReply, type CommandReply, type CommandRequest } from './wire.js';

export type CommandResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: DeskgateError };

export interface CommandContext {
  readonly gateway: string;
  readonly transport: 'local' | 'redis' | 'nats';
  /** Correlation id of this attempt. */
  readonly id: string;
  /** Idempotency key the client attached (stable across retries), if any — the kernel journals it. */
  readonly key: string | undefined;
}

/** The gateway side: the kernel plugs in here. Return a result, or throw a DeskgateError. */
export type CommandHandler = (
  cmd: string,
  payload: unknown,
  ctx: CommandContext,
) => CommandResult | Promise<CommandResult>;

export async function runRequest(
  req: CommandRequest,
  handler: CommandHandler,
  ctx: Omit<CommandContext, 'id' | 'key'>,
  clock: Clock,
): Promise<CommandReply> {
  if (req.deadline !== undefined && clock.now() > req.deadline) {
    return errorReply(req.id, dgError('DG_E_BUS_EXPIRED', `deadline ${req.deadline} passed`));
  }
  try {
    const r = await handler(req.cmd, req.payload, { ...ctx, id: req.id, key: req.key });
    if (r.ok) return { v: WIRE_VERSION, id: req.id, ok: true, result: r.value ?? null };
    return errorReply(req.id, isDeskgateError(r.error) ? r.error : asDeskgateError(r.error));
  } catch (e) {
    return errorReply(req.id, asDeskgateError(e));
  }
}

export interface Route<T> {
  readonly schema: z.ZodType<T>;
  readonly run: (payload: T, ctx: CommandContext) => CommandResult | Promise<CommandResult>;
}

/** Declare a route: the payload is validated with `schema` before `run` sees it. */
export function route<T>(schema: z.ZodType<T>, run: Route<T>['run']): Route<unknown> {
  return { schema: schema as z.ZodType<unknown>, run: run as Route<unknown>['run'] };
}

/**
 * A handler from a table of routes: unknown command ⇒ DG_E_BUS_UNKNOWN_COMMAND, payload that fails
 * its schema ⇒ DG_E_BUS_BAD_PAYLOAD naming the field.
 */
export function commandRouter(routes: Readonly<Record<string, Route<unknown>>>): CommandHandler {
  return (cmd, payload, ctx) => {
    const r = Object.hasOwn(routes, cmd) ? routes[cmd] : undefined;
    if (!r) return { ok: false, error: dgError('DG_E_BUS_UNKNOWN_COMMAND', JSON.stringify(cmd)) };
    const p = r.schema.safeParse(payload);
    if (!p.success) {
      const issue = p.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
      return { ok: false, error: dgError('DG_E_BUS_BAD_PAYLOAD', `${cmd}: ${where}: ${issue?.message ?? 'invalid'}`) };
    }
    return r.run(p.data, ctx);
  };
}

/** Runs tasks one after another (commands to one gateway are handled in arrival order). */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  push(task: () => Promise<void>): Promise<void> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
  idle(): Promise<void> {
    return this.tail;
  }
}
