/**
 * A hashing worker: MD5, CRC-64 and multipart ETags of file ranges (read here, off the thread
 * that serves IPC) and of byte streams the engine hands over. Started by pool.ts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { createHash, type Hash } from 'node:crypto';
import { Crc64, crc64ReadBuffer } from '../../storage/crc64';
import { PartHasher } from '../part-md5';
import type { Algos, Digests, ErrorInfo, Reply, Request } from './protocol';

const port = parentPort;
if (!port) throw new Error('hash-worker.ts runs as a worker thread (started by pool.ts)');

class Digester {
  private readonly md5?: Hash;
  private readonly crc?: Crc64;
  private readonly layouts: PartHasher[];

  constructor(a: Algos) {
    this.md5 = a.md5 ? createHash('md5') : undefined;
    this.crc = a.crc64 ? new Crc64() : undefined;
    this.layouts = (a.layouts ?? []).map((l) => new PartHasher(l));
  }

  update(b: Uint8Array): void {
    this.md5?.update(b);
    this.crc?.update(b);
    for (const l of this.layouts) l.update(b);
  }

  digests(): Digests {
    const d: Digests = {};
    if (this.md5) d.md5 = this.md5.digest('hex');
    if (this.crc) d.crc64 = this.crc.digestDecimal();
    if (this.layouts.length) d.etags = this.layouts.map((l) => l.etag() ?? '');
    return d;
  }
}

const streams = new Map<number, Digester>();
const PIECE = 1 << 20;
let scratch: Uint8Array | undefined;

function hashFile(r: Extract<Request, { op: 'file' }>): Reply {
  const d = new Digester(r.algos);
  const fd = r.size > 0 ? openSync(r.path, 'r') : undefined;
  try {
    if (r.keep) {
      let out = new Uint8Array(new ArrayBuffer(r.size));
      let got = 0;
      while (got < r.size) {
        const n = readSync(fd!, out, got, r.size - got, r.start + got);
        if (n === 0) break;
        got += n;
      }
      // A file that shrank gives what it has: the caller sees the short length (and says so).
      if (got < r.size) out = out.slice(0, got);
      d.update(out);
      return { id: r.id, ok: true, digests: d.digests(), buf: out.buffer };
    }
    // The CRC-64's own input window when it has one: the CRC then reads the bytes in place.
    scratch ??= crc64ReadBuffer();
    let got = 0;
    while (got < r.size) {
      const n = readSync(fd!, scratch, 0, Math.min(PIECE, r.size - got), r.start + got);
      if (n === 0) break;
      d.update(scratch.subarray(0, n));
      got += n;
    }
    // A hash of fewer bytes than asked for would name bytes nobody meant: say the file is short.
    if (got < r.size)
      throw Object.assign(new Error(`the file ended at byte ${r.start + got}, before ${r.start + r.size}`), {
        code: 'SHORT',
      });
    return { id: r.id, ok: true, digests: d.digests() };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A `read`: the file range into the caller's buffer, hashed; a short file gives what it has. */
function readInto(r: Extract<Request, { op: 'read' }>): Reply {
  const d = new Digester(r.algos);
  const out = new Uint8Array(r.buf, 0, Math.min(r.size, r.buf.byteLength));
  let got = 0;
  if (out.length > 0) {
    const fd = openSync(r.path, 'r');
    try {
      while (got < out.length) {
        const n = readSync(fd, out, got, out.length - got, r.start + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
  }
  d.update(out.subarray(0, got));
  return { id: r.id, ok: true, digests: d.digests(), buf: r.buf, len: got };
}

function info(e: unknown): ErrorInfo {
  const x = e as NodeJS.ErrnoException;
  return {
    message: x instanceof Error ? x.message : String(e),
    code: x?.code,
    errno: x?.errno,
    syscall: x?.syscall,
    path: x?.path,
  };
}

port.on('message', (r: Request) => {
  try {
    switch (r.op) {
      case 'file': {
        const reply = hashFile(r);
        port.postMessage(reply, reply.ok && reply.buf ? [reply.buf] : []);
        return;
      }
      case 'read': {
        // On an error the buffer stays here (and is dropped): the caller makes a new one.
        const reply = readInto(r);
        port.postMessage(reply, reply.ok && reply.buf ? [reply.buf] : []);
        return;
      }
      case 'open':
        streams.set(r.id, new Digester(r.algos));
        return;
      case 'data':
        streams.get(r.id)?.update(new Uint8Array(r.buf, 0, r.len));
        return;
      case 'end': {
        const d = streams.get(r.id);
        streams.delete(r.id);
        port.postMessage({ id: r.id, ok: true, digests: d?.digests() ?? {} } satisfies Reply);
        return;
      }
      case 'drop':
        streams.delete(r.id);
        return;
    }
  } catch (e) {
    port.postMessage({ id: r.id, ok: false, error: info(e) } satisfies Reply);
  }
});
