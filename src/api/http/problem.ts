/**
 * RFC 9457 problem details for every REST error (design principle 7): the registry's HTTP status,
 * its message as `title`, the stable code, the occurrence's detail. Never a stack: anything that is
 * not a DeskgateError becomes DG_E_INTERNAL.
 */
import { ERRORS, asDeskgateError, type DeskgateError, type ErrorCode } from '../../core/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  /** A URI reference naming the code: resolves to the error table served at /docs/errors. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail?: string;
  readonly instance?: string;
}

export function problemType(code: ErrorCode): string {
  return `/docs/errors#${code}`;
}

export function toProblem(e: unknown, instance?: string): Problem {
  const err: DeskgateError = asDeskgateError(e);
  const spec = ERRORS[err.code];
  const out: { -readonly [K in keyof Problem]: Problem[K] } = {
    type: problemType(err.code),
    title: spec.message,
    status: spec.status,
    code: err.code,
  };
  if (err.detail !== undefined) out.detail = err.detail.slice(0, 500);
  if (instance !== undefined) out.instance = instance;
  return out;
}

/** The registry as a small HTML table (the target of every problem `type`). */
export function errorsPage(): string {
  const rows = Object.entries(ERRORS)
    .map(
      ([code, s]) =>
        `<tr id="${code}"><td><code>${code}</code></td><td>${s.status}</td><td>${escapeHtml(s.message)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>deskgate error codes</title></head><body>
<h1>deskgate error codes</h1><p>Every error response is <code>${PROBLEM_CONTENT_TYPE}</code> with one of these codes.</p>
<table><thead><tr><th>code</th><th>HTTP</th><th>meaning</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
