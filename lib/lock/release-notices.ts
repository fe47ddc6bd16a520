import type { Cluster, Redis } from 'ioredis';
import type { CacheBackend } from '../backends/backend.interface.js';
import {
  RedisBackend,
  closeClient,
  type RedisLikeClient,
} from '../backends/redis/redis.backend.js';

/** A waiter's subscription to the release notices of one lock. */
export interface ReleaseSubscription {
  /**
   * Resolves once notices will arrive: `true` when subscribed, `false` when subscribing failed
   * (the waiter then polls more often). Never rejects.
   */
  readonly ready: Promise<boolean>;
  /** Stops listening; idempotent. */
  stop(): void;
}

/** Where waiters learn that a lock was released, so that they need not poll for it. */
interface ReleaseNotices {
  listen(channel: string, onRelease: () => void): ReleaseSubscription;
  close(): Promise<void>;
}

/**
 * Waiters on memory-backend locks, by channel (the lock key). Process-wide, as the memory stores
 * are: two stores with a lock of the same key wake each other's waiters, which then just try
 * again (as a PUBLISH on one Redis database reaches subscribers of every database).
 */
const memoryWaiters = new Map<string, Set<() => void>>();

/** The memory twin of the release script's PUBLISH: wakes this process' waiters of a lock. */
export function publishMemoryRelease(channel: string): void {
  const waiters = memoryWaiters.get(channel);
  if (waiters) for (const wake of [...waiters]) wake();
}

const MEMORY_NOTICES: ReleaseNotices = {
  listen(channel, onRelease) {
    return subscribeLocal(memoryWaiters, channel, onRelease, Promise.resolve(true));
  },
  async close() {},
};

/**
 * Release notices over Redis pub/sub: the release script PUBLISHes on the lock's channel, and a
 * subscriber connection (a `duplicate()` of the cache's client, opened on the first wait and
 * closed with the cache) delivers them. On a cluster, PUBLISH reaches every node and ioredis'
 * cluster client subscribes through one of them. Notices are a shortcut, not a guarantee (a
 * message is lost while the subscriber reconnects): waiters also retry on a timer.
 */
class RedisReleaseNotices implements ReleaseNotices {
  private subscriber: RedisLikeClient | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Subscriptions made or in flight, by channel. */
  private readonly subscribed = new Map<string, Promise<boolean>>();
  private closed = false;

  constructor(private readonly client: RedisLikeClient) {}

  listen(channel: string, onRelease: () => void): ReleaseSubscription {
    if (this.closed) return { ready: Promise.resolve(false), stop() {} };
    let ready = this.subscribed.get(channel);
    if (!ready) {
      const pending: Promise<boolean> = this.connect()
        .subscribe(channel)
        .then(
          () => true,
          () => {
            // Let the next waiter try again.
            if (this.subscribed.get(channel) === pending) this.subscribed.delete(channel);
            return false;
          },
        );
      this.subscribed.set(channel, pending);
      ready = pending;
    }
    return subscribeLocal(this.waiters, channel, onRelease, ready, () => {
      this.subscribed.delete(channel);
      this.subscriber?.unsubscribe(channel).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.clear();
    if (this.subscriber) await closeClient(this.subscriber);
  }

  private connect(): RedisLikeClient {
    if (this.subscriber) return this.subscriber;
    const subscriber: RedisLikeClient = this.client.isCluster
      ? (this.client as Cluster).duplicate()
      : // SUBSCRIBE may be sent again after a lost reply: it is idempotent.
        (this.client as Redis).duplicate({ autoResendUnfulfilledCommands: true });
    // The cache's own client logs outages; this one reconnects and resubscribes by itself, and
    // waiters poll meanwhile, so its errors need no handling beyond not being "unhandled".
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string) => {
      const waiters = this.waiters.get(channel);
      if (waiters) for (const wake of [...waiters]) wake();
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}

/**
 * Adds a waiter to a channel's set; `onEmpty` runs when the last waiter of the channel leaves
 * (to unsubscribe).
 */
function subscribeLocal(
  waiters: Map<string, Set<() => void>>,
  channel: string,
  onRelease: () => void,
  ready: Promise<boolean>,
  onEmpty?: () => void,
): ReleaseSubscription {
  let set = waiters.get(channel);
  if (!set) {
    set = new Set();
    waiters.set(channel, set);
  }
  set.add(onRelease);
  const own = set;
  let stopped = false;
  return {
    ready,
    stop() {
      if (stopped) return;
      stopped = true;
      own.delete(onRelease);
      if (own.size === 0 && waiters.get(channel) === own) {
        waiters.delete(channel);
        onEmpty?.();
      }
    },
  };
}

const notices = new WeakMap<CacheBackend, ReleaseNotices>();

/** The release notices of a cache's backend (memory: in-process; Redis: pub/sub). */
export function releaseNotices(backend: CacheBackend): ReleaseNotices {
  if (!(backend instanceof RedisBackend)) return MEMORY_NOTICES;
  let found = notices.get(backend);
  if (!found) {
    found = new RedisReleaseNotices(backend.client);
    notices.set(backend, found);
  }
  return found;
}

/** Closes the subscriber connection of a cache's backend, if a wait opened one. */
export async function closeReleaseNotices(backend: CacheBackend): Promise<void> {
  await notices.get(backend)?.close();
}
