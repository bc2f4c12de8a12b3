/**
 * The OpenAPI 3.1 document of the native API, built from the same route list the server registers
 * (route-def.ts) with zod's JSON Schema export, so every route is documented by construction.
 * Served at /docs/openapi.json; /docs is a small self-contained HTML page (no network assets).
 */
import { z } from 'zod';
import { ERRORS } from '../../core/errors.js';
import { escapeHtml, PROBLEM_CONTENT_TYPE } from './problem.js';
import type { RouteDef } from './route-def.js';
import { streamMessage } from './schemas.js';

type Json = Record<string, unknown>;

export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchema(s: z.ZodType): Json {
  const out = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function outputSchema(s: z.ZodType): Json {
  const out = z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function parameters(s: z.ZodType | undefined, where: 'path' | 'query' | 'header'): Json[] {
  if (!s) return [];
  const js = jsonSchema(s);
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || (required.has(name) && schema.default === undefined),
    schema,
  }));
}

const problemRef = { $ref: '#/components/schemas/Problem' };

export interface ExtraPath {
  readonly method: 'GET';
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly contentType: string;
  readonly description?: string;
}

export function buildOpenApi(routes: readonly RouteDef[], extras: readonly ExtraPath[], title: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    const responses: Record<string, Json> = {};
    for (const [status, description] of Object.entries(r.ok)) {
      responses[status] = {
        description,
        content: { 'application/json': { schema: r.response ? outputSchema(r.response) : {} } },
      };
    }
    const codes = [
      ...new Set([
        'DG_E_API_BAD_REQUEST',
        'DG_E_RATE_LIMITED',
        ...(r.public ? [] : ['DG_E_API_BAD_TOKEN']),
        ...r.errors,
      ]),
    ];
    for (const code of codes) {
      const status = String(ERRORS[code as keyof typeof ERRORS].status);
      const prev = responses[status];
      const text =
        prev && typeof prev.description === 'string' ? `${prev.description}, ${code}` : `problem JSON: ${code}`;
      responses[status] = { description: text, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } } };
    }
    responses.default = {
      description: 'problem JSON (any DG_E_ code)',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } },
    };
    const op: Json = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      tags: [r.tag],
      parameters: [
        ...parameters(r.params, 'path'),
        ...parameters(r.query, 'query'),
        ...parameters(r.headers, 'header'),
      ],
      responses,
    };
    if (r.public) op.security = [];
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  for (const x of extras) {
    const op: Json = {
      operationId: `get${x.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: x.summary,
      tags: [x.tag],
      responses: { 200: { description: x.description ?? x.summary, content: { [x.contentType]: { schema: {} } } } },
    };
    if (x.tag === 'docs') op.security = [];
    (paths[openApiPath(x.url)] ??= {}).get = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title,
      version: '1',
      description:
        'deskgate native API. Prices and sizes are exact decimal strings; errors are RFC 9457 problem JSON ' +
        'with a stable DG_E_ code. WebSocket /v1/stream: see x-websocket.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string', description: 'URI reference of the code (/docs/errors#DG_E_…)' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(ERRORS) },
            detail: { type: 'string' },
            instance: { type: 'string' },
          },
        },
        StreamClientMessage: jsonSchema(streamMessage),
      },
    },
    'x-websocket': {
      path: '/v1/stream',
      client: '#/components/schemas/StreamClientMessage',
      server:
        '{channel, symbol?, type:"snapshot", seq:0, data} then {channel, symbol?, type:"update", seq:1,2,…, data}; ' +
        '{type:"error", code, detail}; {type:"unsubscribed", channel, symbol?}; {type:"pong"}',
    },
  };
}

/** The /docs page: every path and method of the document, no scripts, no network assets. */
export function docsPage(doc: Json): string {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const rows: string[] = [];
  for (const [p, ops] of Object.entries(paths)) {
    for (const [m, op] of Object.entries(ops)) {
      rows.push(
        `<tr><td><code>${m.toUpperCase()}</code></td><td><code>${escapeHtml(p)}</code></td><td>${escapeHtml(String(op.summary ?? ''))}</td></tr>`,
      );
    }
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(String((doc.info as Json).title))}</title></head><body>
<h1>${escapeHtml(String((doc.info as Json).title))}</h1>
<p>OpenAPI 3.1 document: <a href="/docs/openapi.json">/docs/openapi.json</a>. Error codes: <a href="/docs/errors">/docs/errors</a>.
WebSocket: <code>/v1/stream</code> (see <code>x-websocket</code> in the document).</p>
<table><thead><tr><th>method</th><th>path</th><th>summary</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>`;
}
