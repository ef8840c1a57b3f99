// Child of journal-paged.test.ts: opens the journal in argv[2], then compacts it with a source
// that kills this process (SIGKILL, no clean-up) once `argv[3]` jobs have been read, so the
// paged snapshot is cut off mid-write as by a crash. Prints the temporary file's size first.
import { statSync, writeSync } from 'node:fs';
import { Journal, JOURNAL_FILE, type ReplayedJob } from '../../../src-main/transfers/journal';

const [dir, at] = [process.argv[2], Number(process.argv[3])];
const { journal, jobs } = await Journal.open(dir);
const source = {
  length: jobs.length,
  at(i: number): ReplayedJob | undefined {
    if (i === at) {
      let size: number;
      try {
        size = statSync(`${dir}/${JOURNAL_FILE}.tmp`).size;
      } catch {
        size = -1;
      }
      writeSync(1, `tmp ${size}\n`);
      process.kill(process.pid, 'SIGKILL');
      // Nothing more is read (or written) while the kill arrives.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    return { ...jobs[i], state: 'paused' };
  },
};
await journal.compact(source);
