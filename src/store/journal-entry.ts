/**
 * Journal entries: what is appended, what replay yields, and the per-entry checksum that lets
 * replay tell a damaged row from a good one.
 */
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { dgError } from '../core/errors.js';

export const JOURNAL_KINDS = ['cmd', 'evt', 'err', 'snapshot'] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];

/** What the caller appends. `key` is an idempotency key, unique per kind for ever (survives truncation). */
export interface JournalInput {
  readonly kind: JournalKind;
  readonly type: string;
  readonly payload: unknown;
  readonly key?: string;
}

/** What replay yields. */
export interface JournalEntry {
  readonly seq: number;
  /** Milliseconds since the epoch, from the journal's injected clock. */
  readonly ts: number;
  readonly kind: JournalKind;
  readonly type: string;
  readonly key: string | null;
  readonly payload: unknown;
}

export interface AppendResult {
  readonly seq: number;
  /** True when the key was already journaled: `seq` is then the original entry's seq and nothing was written. */
  readonly duplicate: boolean;
}

const MAX_TYPE = 128;
const MAX_KEY = 256;

const inputSchema = z.object({
  kind: z.enum(JOURNAL_KINDS),
  type: z.string().min(1).max(MAX_TYPE),
  payload: z.unknown(),
  key: z.string().min(1).max(MAX_KEY).optional(),
});

/** A validated entry ready to insert: payload serialised once, checksum computed. */
export interface EncodedInput {
  readonly kind: JournalKind;
  readonly type: string;
  readonly key: string | null;
  readonly payload: string;
}

export function encodeInput(raw: JournalInput): EncodedInput {
  const r = inputSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw dgError('DG_E_JOURNAL_BAD_ENTRY', `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}`);
  }
  let payload: string | undefined;
  try {
    payload = JSON.stringify(r.data.payload ?? null);
  } catch {
    throw dgError('DG_E_JOURNAL_BAD_ENTRY', 'payload is not JSON-serialisable');
  }
  if (payload === undefined) throw dgError('DG_E_JOURNAL_BAD_ENTRY', 'payload is not JSON-serialisable');
  return { kind: r.data.kind, type: r.data.type, key: r.data.key ?? null, payload };
}

/** CRC-32 over every stored field, so a torn or bit-rotten row is detected on replay. */
export function entryChecksum(
  seq: number,
  ts: number,
  kind: string,
  type: string,
  key: string | null,
  payload: string,
): number {
  return crc32(`${seq}\u0000${ts}\u0000${kind}\u0000${type}\u0000${key ?? ''}\u0000${payload}`);
}
