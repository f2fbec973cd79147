/**
 * How many channels may be open at once on one SSH connection. OpenSSH
 * refuses sessions beyond its `MaxSessions` (10 by default), so callers wait
 * for a free channel instead of failing; when a server turns out to allow
 * fewer, the limit is lowered to what it really accepts.
 *
 * @example
 * import { ChannelLimiter } from "./channel-limit.ts";
 * const limiter = new ChannelLimiter(10);
 * const release = await limiter.acquire();
 * try { … open and use a channel … } finally { release(); }
 */

/** Gives a channel slot back; calling it twice is harmless. */
export type Release = () => void;

/**
 * A counting semaphore with first-come, first-served waiters.
 *
 * @example
 * const limiter = new ChannelLimiter(2);
 * const a = await limiter.acquire();
 * const b = await limiter.acquire();
 * const third = limiter.acquire(); // waits until a() or b() is called
 * limiter.inUse; // 2
 * a();
 * a(); // a second call gives nothing back
 * const c = await third;
 * limiter.inUse; // 2
 * b();
 * c();
 * limiter.inUse; // 0
 */
export class ChannelLimiter {
  private used = 0;
  private readonly waiters: Array<{ grant: (release: Release) => void; refuse: (error: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(private capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  /** Slots currently held. */
  get inUse(): number {
    return this.used;
  }

  /** The current limit. */
  get limit(): number {
    return this.capacity;
  }

  /** Wait for a free slot. Rejects once {@link fail} was called. */
  acquire(): Promise<Release> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.used < this.capacity) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((grant, refuse) => this.waiters.push({ grant, refuse }));
  }

  /**
   * Lower the limit (never below 1), e.g. to the number of channels the server accepted.
   *
   * @example
   * const limiter = new ChannelLimiter(10);
   * limiter.lowerTo(4);
   * limiter.limit; // 4
   */
  lowerTo(capacity: number): void {
    this.capacity = Math.max(1, Math.min(this.capacity, Math.floor(capacity)));
  }

  /**
   * Refuse every waiter and every later request with `error` (the connection is gone).
   *
   * @example
   * const limiter = new ChannelLimiter(1);
   * const held = await limiter.acquire();
   * const waiting = limiter.acquire();
   * limiter.fail(new Error("connection lost"));
   * await waiting.catch((error: Error) => error.message); // "connection lost"
   * await limiter.acquire().catch((error: Error) => error.message); // "connection lost"
   */
  fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.refuse(error);
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      while (this.used < this.capacity && this.waiters.length > 0) {
        this.used++;
        this.waiters.shift()!.grant(this.releaser());
      }
    };
  }
}
