/**
 * Structured logs of `deskgate serve` (spec S0.4, S1.7): pino into time-rotated files under
 * `<dataDir>/logs/` (`deskgate-<period start>.log`, src/logging/rotating-log.ts), optionally also
 * stdout. Two layers keep secrets out: pino `redact` paths (keys named like credentials) and a
 * scrubber that replaces every configured secret value (venue credentials, API token) wherever it
 * appears in a line, whatever field carried it.
 * Request bodies of FMZ and MOV are never logged by those servers.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { RotatingLog, type RotatorTimer } from '../../logging/rotating-log.js';

export const REDACT_PATHS: readonly string[] = [
  'apiKey',
  'secret',
  'password',
  'token',
  'access_key',
  'secret_key',
  'authorization',
  'credentials',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.access_key',
  '*.secret_key',
  '*.authorization',
  '*.credentials',
  'req.headers.authorization',
  'req.headers.cookie',
];

const CENSOR = '[redacted]';

/** `text` with every secret (≥ 4 chars) replaced. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 4 && out.includes(s)) out = out.split(s).join(CENSOR);
  }
  return out;
}

/** Replaces each secret (≥ 4 chars) anywhere in a line before it reaches the targets. */
export class ScrubbingStream implements DestinationStream {
  private readonly secrets: string[];
  constructor(
    private readonly targets: readonly { write(s: string): unknown }[],
    secrets: readonly string[],
  ) {
    // Longest first so a secret containing another is replaced whole.
    this.secrets = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  }
  /** A secret learnt after start (e.g. a generated RPC token). */
  add(secret: string): void {
    if (secret.length < 4 || this.secrets.includes(secret)) return;
    this.secrets.push(secret);
    this.secrets.sort((a, b) => b.length - a.length);
  }
  write(line: string): void {
    let out = line;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(CENSOR);
    for (const t of this.targets) t.write(out);
  }
}

export interface ServeLogOptions {
  readonly dir: string;
  readonly rotateMs: number;
  readonly maxAgeMs: number;
  readonly level: string;
  readonly stdout: boolean;
  readonly secrets: readonly string[];
  readonly clock: Clock;
  readonly timer?: RotatorTimer;
}

export interface ServeLog {
  readonly logger: Logger;
  readonly rotator: RotatingLog;
  /** Scrub this value from every later line too. */
  addSecret(secret: string): void;
  /** Flush the buffered lines into the file and close it (the last lines are never lost). */
  close(): void;
}

export function createServeLog(o: ServeLogOptions): ServeLog {
  const rotator = new RotatingLog({
    dir: o.dir,
    prefix: 'deskgate',
    rotateMs: o.rotateMs,
    maxAgeMs: o.maxAgeMs,
    clock: o.clock,
    ...(o.timer ? { timer: o.timer } : {}),
  });
  const targets: { write(s: string): unknown }[] = [rotator];
  if (o.stdout) targets.push(process.stdout);
  const scrubber = new ScrubbingStream(targets, o.secrets);
  const logger = pino(
    {
      level: o.level,
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      timestamp: () => `,"time":${o.clock.now()}`,
    },
    scrubber,
  );
  return {
    logger,
    rotator,
    addSecret: (secret) => scrubber.add(secret),
    close() {
      logger.flush();
      rotator.close();
    },
  };
}
