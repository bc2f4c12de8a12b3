/**
 * Loader of the optional native addon native/shm-map (built by `npm ci` / `npm install` through
 * the package's `install` script; a failed build leaves it absent and readers fall back to pread).
 * It maps a file read-only (MAP_SHARED) and returns an external ArrayBuffer over the mapping, so
 * the mapped reader (shm-mapped-reader.ts) reads balances with no system call per read.
 *
 * Set DESKGATE_NO_MMAP=1 to force the addon off (the fallback path, for tests and for platforms
 * where the mapped path is unwanted).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ShmMapping {
  /** External ArrayBuffer over the whole file as it was when mapped (read-only pages). */
  readonly buffer: ArrayBuffer;
  readonly size: number;
  /** Device and inode of the mapped file (fstat of the fd the mapping was made from). */
  readonly dev: number;
  readonly ino: number;
}

export interface ShmNative {
  map(path: string): ShmMapping;
  /** Detach the buffer (views over it become empty) and munmap; false if already unmapped. */
  unmap(buffer: ArrayBuffer): boolean;
}

export type NativeLoad =
  { readonly ok: true; readonly native: ShmNative } | { readonly ok: false; readonly reason: string };

const ADDON = join('native', 'shm-map', 'build', 'Release', 'deskgate_shm_map.node');

/** The package root: the nearest ancestor of this module holding native/shm-map (src/ledger or dist/src/ledger). */
function packageRoot(): string | undefined {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(d, 'native', 'shm-map'))) return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

let cached: NativeLoad | undefined;

/** Load the addon once per process; a value says why it is unavailable. */
export function loadShmNative(): NativeLoad {
  const off = process.env.DESKGATE_NO_MMAP;
  if (off !== undefined && off !== '' && off !== '0') return { ok: false, reason: 'disabled by DESKGATE_NO_MMAP' };
  if (cached) return cached;
  const root = packageRoot();
  const file = root === undefined ? undefined : join(root, ADDON);
  if (file === undefined || !existsSync(file)) {
    cached = { ok: false, reason: `addon not built (${ADDON} missing; run npm rebuild or npm ci)` };
    return cached;
  }
  try {
    const m = createRequire(import.meta.url)(file) as Partial<ShmNative>;
    if (typeof m.map !== 'function' || typeof m.unmap !== 'function') throw new Error('unexpected exports');
    cached = { ok: true, native: m as ShmNative };
  } catch (e) {
    cached = { ok: false, reason: `addon failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  return cached;
}
