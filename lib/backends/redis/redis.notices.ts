import type { Cluster, Redis } from 'ioredis';
import type { BackendNotices, NoticeSubscription } from '../backend.interface.js';
import { LocalChannels } from '../local-channels.js';

type Client = Redis | Cluster;

/**
 * Notices over Redis pub/sub: a script PUBLISHes on a channel, and a subscriber connection (a
 * `duplicate()` of the backend's client, opened at the first `listen()` and closed with the
 * backend) delivers them. One SUBSCRIBE per channel however many listeners it has. On a cluster,
 * PUBLISH reaches every node and ioredis' cluster client subscribes through one of them.
 */
export class RedisNotices implements BackendNotices {
  private subscriber: Client | undefined;
  private readonly channels = new LocalChannels();
  /** Subscriptions made or in flight, by channel. */
  private readonly subscribed = new Map<string, Promise<boolean>>();
  private closed = false;

  /**
   * @param client - the backend's client, duplicated for the subscriber
   * @param closeClient - how the backend closes a connection (bounded, see `closeClient`)
   * @param commandTimeout - bounds the subscriber's commands, in ms (ioredis' own timeout: a
   *   subscriber sends few); unset: as the client's options say
   */
  constructor(
    private readonly client: Client,
    private readonly closeClient: (client: Client) => Promise<void>,
    private readonly commandTimeout?: number,
  ) {}

  listen(channel: string, onNotice: () => void): NoticeSubscription {
    if (this.closed) return { ready: Promise.resolve(false), stop() {} };
    let ready = this.subscribed.get(channel);
    if (!ready) {
      const pending: Promise<boolean> = this.connect()
        .subscribe(channel)
        .then(
          () => true,
          () => {
            // Let the next listener try again.
            if (this.subscribed.get(channel) === pending) this.subscribed.delete(channel);
            return false;
          },
        );
      this.subscribed.set(channel, pending);
      ready = pending;
    }
    return this.channels.add(channel, onNotice, ready, () => {
      this.subscribed.delete(channel);
      this.subscriber?.unsubscribe(channel).catch(() => undefined);
    });
  }

  /** Closes the subscriber connection, if one was opened. */
  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    if (this.subscriber) await this.closeClient(this.subscriber);
  }

  private connect(): Client {
    if (this.subscriber) return this.subscriber;
    const bound = this.commandTimeout === undefined ? {} : { commandTimeout: this.commandTimeout };
    const subscriber: Client = this.client.isCluster
      ? (this.client as Cluster).duplicate([], {
          redisOptions: { ...(this.client as Cluster).options.redisOptions, ...bound },
        })
      : // SUBSCRIBE may be sent again after a lost reply: it is idempotent.
        (this.client as Redis).duplicate({ autoResendUnfulfilledCommands: true, ...bound });
    // The backend's own client logs outages; this one reconnects and resubscribes by itself, and
    // listeners poll meanwhile, so its errors need no handling beyond not being "unhandled".
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string) => this.channels.notify(channel));
    this.subscriber = subscriber;
    return subscriber;
  }
}
