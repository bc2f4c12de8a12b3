/**
 * Splits a TCP byte stream into JSON objects the way Go's `json.Decoder` reads a JSON-RPC 1.0
 * connection: objects are concatenated with optional whitespace between them and no other
 * delimiter, e.g. `{"method":"Server.GetOrderBook","params":[{…}],"id":0}{"method":…}`.
 *
 * - An object may be split across chunks anywhere (even inside a multi-byte UTF-8 character:
 *   the scan is on bytes, and every structural byte is ASCII, which never occurs inside a UTF-8
 *   multi-byte sequence).
 * - One chunk may hold many objects.
 * - Anything at top level other than whitespace or `{` is garbage: the splitter reports
 *   DG_E_API_BAD_REQUEST and stays failed (the connection is then closed, as Go's server does).
 * - An object longer than `maxBytes` fails with DG_E_API_TOO_LARGE, so a peer cannot make the
 *   buffer grow without bound.
 *
 * The splitter only frames; JSON.parse of each object happens in the caller.
 */
import { dgError, type DeskgateError } from '../../core/errors.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

export interface SplitResult {
  /** Complete objects, as text, in stream order. */
  readonly objects: string[];
  /** Set once the stream is unusable; objects before the fault are still returned. */
  readonly error: DeskgateError | undefined;
}

export class JsonObjectSplitter {
  private parts: Buffer[] = [];
  /** Bytes of the current object held in `parts`. */
  private held = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  private failed: DeskgateError | undefined;

  constructor(readonly maxBytes = 1 << 20) {}

  get error(): DeskgateError | undefined {
    return this.failed;
  }

  /** Bytes buffered for an object not yet complete. */
  get pending(): number {
    return this.held;
  }

  push(chunk: Buffer): SplitResult {
    const objects: string[] = [];
    if (this.failed) return { objects, error: this.failed };
    let start = this.depth > 0 ? 0 : -1; // start of the current object inside `chunk`
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.depth === 0) {
        if (isSpace(b)) continue;
        if (b !== OPEN_BRACE) {
          this.fail(dgError('DG_E_API_BAD_REQUEST', `expected a JSON object, got byte 0x${b.toString(16)}`));
          return { objects, error: this.failed };
        }
        this.depth = 1;
        start = i;
        continue;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          const tail = chunk.subarray(start, i + 1);
          if (this.held + tail.length > this.maxBytes) {
            this.fail(dgError('DG_E_API_TOO_LARGE', `object over ${this.maxBytes} bytes`));
            return { objects, error: this.failed };
          }
          const whole = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
          objects.push(whole.toString('utf8'));
          this.parts = [];
          this.held = 0;
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = chunk.subarray(start);
      if (this.held + rest.length > this.maxBytes) {
        this.fail(dgError('DG_E_API_TOO_LARGE', `object over ${this.maxBytes} bytes`));
        return { objects, error: this.failed };
      }
      // Copy: the socket may reuse its chunk buffer.
      this.parts.push(Buffer.from(rest));
      this.held += rest.length;
    }
    return { objects, error: undefined };
  }

  private fail(e: DeskgateError): void {
    this.failed = e;
    this.parts = [];
    this.held = 0;
  }
}
