/**
 * REST routes of the execution algorithms (docs/algo-service.md), registered by the server when it
 * is given an algo service (the gateway's AlgoService):
 *
 *   POST /v1/algos                       start a parent order      → 201 the status view
 *                                        (a known clientAlgoId / Idempotency-Key → 200 its parent)
 *   GET  /v1/algos?clientAlgoId=…        every parent (newest last), or the one with that key
 *   GET  /v1/algos/:id                   one parent, with its per-child table
 *   POST /v1/algos/:id/pause?reason=…    cancel its open children, stop its rounds
 *   POST /v1/algos/:id/resume
 *   POST /v1/algos/:id/cancel?reason=…   terminal: open children cancelled
 *
 * Refusals are the service's error values (DG_E_ALGO_*, DG_E_UNKNOWN_INSTRUMENT,
 * DG_E_LEDGER_INSUFFICIENT, …) thrown for the server to answer as problem JSON.
 */
import { z } from 'zod';
import type { ErrorCode } from '../../core/errors.js';
import type { AlgoListener, StartOptions, StartOutcome } from '../../algo/service/algo-service.js';
import { clientAlgoIdSchema, startRequestSchema } from '../../algo/service/start-request.js';
import type { AlgoView } from '../../algo/service/status-view.js';
import type { ExecResult } from '../../algo/types.js';
import { defineRoute, type RouteDef } from './route-def.js';

/** What the routes and the `algos` stream channel need (AlgoService satisfies it). */
export interface AlgoControl {
  /** Start, or with a known client key return that parent (`created: false`). */
  submit(raw: unknown, opts?: StartOptions): Promise<ExecResult<StartOutcome>>;
  pause(id: number, reason?: string): Promise<ExecResult<AlgoView>>;
  resume(id: number): Promise<ExecResult<AlgoView>>;
  cancel(id: number, reason?: string): Promise<ExecResult<AlgoView>>;
  status(id: number): ExecResult<AlgoView>;
  list(filter?: { clientAlgoId?: string }): AlgoView[];
  on(listener: AlgoListener): () => void;
}

const dec = z.string();
const tags = z.enum([
  'trade',
  'orderbook',
  'probe',
  'fallback',
  'big',
  'regular',
  'passive',
  'slice',
  'finish',
  'naive',
]);

export const algoViewSchema = z.object({
  id: z.number().int(),
  strategy: z.string(),
  clientAlgoId: z.string().nullable().describe('the client idempotency key of the start, null if none'),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  mode: z.enum(['progressive', 'aggressive', 'passive', 'iceberg']),
  size: dec,
  filled: dec,
  remaining: dec,
  remainder: dec
    .nullable()
    .describe("done 'below-minimum' only: the unfilled size, below the instrument's minimum order; else null"),
  minSize: dec.describe("the instrument's minimum order size"),
  avgPrice: dec.nullable().describe('average fill price: exact, rounded half away from zero to tick + 4 places'),
  status: z.enum(['running', 'paused', 'done', 'cancelled']),
  reason: z.string().nullable().describe("done: 'filled' | 'below-minimum' | 'expired'; paused / cancelled: why"),
  createdAt: z.number(),
  startAt: z.number(),
  endAt: z.number(),
  nextAt: z.number().nullable(),
  round: z.number().int(),
  progress: z.object({
    filledRatio: z.number(),
    timeRatio: z.number().nullable(),
    scheduled: dec.nullable(),
    ahead: dec.nullable(),
  }),
  openChildren: z.number().int(),
  children: z.array(
    z.object({
      clientId: z.string(),
      tag: tags,
      type: z.enum(['limit', 'market']),
      price: dec.nullable(),
      size: dec,
      filled: dec,
      avgPrice: dec.nullable(),
      open: z.boolean(),
      cancelling: z.boolean(),
      placedAt: z.number(),
      round: z.number().int(),
    }),
  ),
  /** GET /v1/algos/:id only: the transaction-cost analysis (docs/algo-tca.md), null before the arrival mid. */
  tca: z.record(z.string(), z.unknown()).nullable().optional(),
});

const idParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict();
const reasonQuery = z.object({ reason: z.string().min(1).max(200).optional() }).strict();
const listQuery = z.object({ clientAlgoId: clientAlgoIdSchema.optional() }).strict();
/** Node lower-cases header names; the header is `Idempotency-Key` in any case. */
const startHeaders = z.object({
  'idempotency-key': clientAlgoIdSchema
    .optional()
    .describe('Idempotency-Key: same rule and meaning as body clientAlgoId; both given must be equal'),
});

const START_ERRORS: ErrorCode[] = [
  'DG_E_ALGO_BAD_PARAMS',
  'DG_E_ALGO_BAD_SIZE',
  'DG_E_ALGO_PAST_END',
  'DG_E_ALGO_MARKET_UNAVAILABLE',
  'DG_E_UNKNOWN_INSTRUMENT',
  'DG_E_GATEWAY_UNKNOWN_STRATEGY',
  'DG_E_LEDGER_INSUFFICIENT',
  'DG_E_ALGO_KEY_CONFLICT',
];
const CONTROL_ERRORS: ErrorCode[] = ['DG_E_ALGO_UNKNOWN', 'DG_E_ALGO_BAD_TRANSITION'];

function must<T>(r: ExecResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

export function algoRoutes(algos: AlgoControl): RouteDef[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/algos',
      summary:
        'Start an execution algorithm (TWAP progressive / aggressive / passive, iceberg); idempotent with ' +
        'clientAlgoId or the Idempotency-Key header',
      tag: 'algos',
      body: startRequestSchema,
      headers: startHeaders,
      response: algoViewSchema,
      ok: {
        201: 'the parent order, running',
        200: 'the parent order this client key already started (same request: nothing new started)',
      },
      errors: START_ERRORS,
      async handle({ body, headers }) {
        const key = headers['idempotency-key'];
        const r = must(await algos.submit(body, key !== undefined ? { idempotencyKey: key } : {}));
        return { status: r.created ? 201 : 200, body: r.view };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/algos',
      summary: 'Every parent order of this gateway, or the one a client key started',
      tag: 'algos',
      query: listQuery,
      response: z.array(algoViewSchema),
      ok: { 200: 'the parent orders, oldest first' },
      async handle({ query }) {
        return {
          status: 200,
          body: algos.list(query.clientAlgoId !== undefined ? { clientAlgoId: query.clientAlgoId } : {}),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/algos/:id',
      summary: 'One parent order: progress against its schedule and its children',
      tag: 'algos',
      params: idParams,
      response: algoViewSchema,
      ok: { 200: 'the parent order' },
      errors: ['DG_E_ALGO_UNKNOWN'],
      async handle({ params }) {
        return { status: 200, body: must(algos.status(params.id)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/algos/:id/pause',
      summary: 'Pause a running parent: its open children are cancelled, no new rounds',
      tag: 'algos',
      params: idParams,
      query: reasonQuery,
      response: algoViewSchema,
      ok: { 200: 'the parent order, paused' },
      errors: CONTROL_ERRORS,
      async handle({ params, query }) {
        return { status: 200, body: must(await algos.pause(params.id, query.reason)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/algos/:id/resume',
      summary: 'Resume a paused parent',
      tag: 'algos',
      params: idParams,
      response: algoViewSchema,
      ok: { 200: 'the parent order, running' },
      errors: CONTROL_ERRORS,
      async handle({ params }) {
        return { status: 200, body: must(await algos.resume(params.id)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/algos/:id/cancel',
      summary: 'Cancel a parent (terminal): its open children are cancelled',
      tag: 'algos',
      params: idParams,
      query: reasonQuery,
      response: algoViewSchema,
      ok: { 200: 'the parent order, cancelled' },
      errors: CONTROL_ERRORS,
      async handle({ params, query }) {
        return { status: 200, body: must(await algos.cancel(params.id, query.reason)) };
      },
    }),
  ];
}
