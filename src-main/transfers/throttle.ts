import { Transform, type TransformCallback } from 'node:stream';

/**
 * A token bucket shared by every stream of one direction. The rate may change while
 * transfers run; waiting streams pick the new rate up on their next refill.
 */
export class TokenBucket {
  private tokens = 0;
  private last = Date.now();

  constructor(private rate = 0) {}

  get bytesPerSecond(): number {
    return this.rate;
  }

  setRate(bytesPerSecond: number): void {
    this.refill();
    this.rate = Math.max(0, bytesPerSecond);
    this.tokens = Math.min(this.tokens, this.burst());
  }

  /** Resolves once `n` bytes may pass. */
  async take(n: number): Promise<void> {
    for (;;) {
      if (this.rate === 0) return;
      this.refill();
      // Chunks larger than a burst pass once the bucket is full, going into debt.
      if (this.tokens >= Math.min(n, this.burst())) {
        this.tokens -= n;
        return;
      }
      const missing = Math.min(n, this.burst()) - this.tokens;
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(5, (missing / this.rate) * 1000))));
    }
  }

  private burst(): number {
    // A quarter second of traffic: smooth enough, and cheap on timers.
    return Math.max(16 * 1024, this.rate / 4);
  }

  private refill(): void {
    const now = Date.now();
    if (this.rate > 0)
      this.tokens = Math.min(this.burst(), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

/** A pass-through stream that waits for the bucket and reports each chunk. */
export function meter(bucket: TokenBucket, onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      bucket.take(chunk.length).then(
        () => {
          onChunk(chunk);
          done(null, chunk);
        },
        (e: Error) => done(e),
      );
    },
  });
}
