/**
 * Child process for the kill -9 test: appends in a loop and prints `ack <seq> <i>` to stdout
 * (synchronously) after each append()/appendBatch() has returned. Re-sends from `start`, so
 * entries written but not acknowledged before the previous kill are re-delivered and must be
 * recognised by their idempotency keys.
 *
 * argv: <file> <start i> <durability process|power>
 */
import { writeSync } from 'node:fs';
import { isDeskgateError } from '../../src/core/errors.js';
import { Journal } from '../../src/store/journal.js';

/** Blocking write of the whole text to stdout (the pipe is non-blocking: retry on EAGAIN). */
const pause = new Int32Array(new SharedArrayBuffer(4));
function say(text: string): void {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const [file, startArg, durabilityArg] = process.argv.slice(2);
const journal = new Journal({ file: file!, durability: durabilityArg === 'power' ? 'power' : 'process' });
let i = Number(startArg);
say('ready\n');
for (let round = 0; round < 1_000_000; round++) {
  if (i % 7 === 3) {
    // a batch of three: all or nothing
    const ids = [i, i + 1, i + 2];
    try {
      const seqs = journal.appendBatch(
        ids.map((id) => ({ kind: 'cmd', type: 'batch', key: `c${id}`, payload: { i: id, batch: i } })),
      );
      say(seqs.map((s, k) => `ack ${s} ${ids[k]}\n`).join(''));
    } catch (e) {
      if (!isDeskgateError(e) || e.code !== 'DG_E_JOURNAL_DUPLICATE_KEY') throw e;
      const seqs = ids.map((id) => journal.lookupKey('cmd', `c${id}`));
      say(ids.map((id, k) => `dup ${seqs[k]} ${id}\n`).join(''));
    }
    i += 3;
  } else {
    const r = journal.appendOnce({ kind: i % 5 === 0 ? 'evt' : 'cmd', type: 'one', key: `c${i}`, payload: { i } });
    say(`${r.duplicate ? 'dup' : 'ack'} ${r.seq} ${i}\n`);
    i += 1;
  }
}
