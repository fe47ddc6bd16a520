import type { NoticeSubscription } from './backend.interface.js';

/**
 * Listeners of this process by channel: one set per channel, dropped with its last listener.
 * Shared by the in-process notices of the memory backend and the pub/sub notices of Redis.
 */
export class LocalChannels {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Calls every listener of the channel (those added meanwhile wait for the next notice). */
  notify(channel: string): void {
    const set = this.listeners.get(channel);
    if (set) for (const listener of [...set]) listener();
  }

  /**
   * Adds a listener; `onEmpty` runs when the channel's last listener leaves (to unsubscribe).
   */
  add(
    channel: string,
    listener: () => void,
    ready: Promise<boolean>,
    onEmpty?: () => void,
  ): NoticeSubscription {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    const own = set;
    let stopped = false;
    return {
      ready,
      stop: () => {
        if (stopped) return;
        stopped = true;
        own.delete(listener);
        if (own.size === 0 && this.listeners.get(channel) === own) {
          this.listeners.delete(channel);
          onEmpty?.();
        }
      },
    };
  }

  /** Forgets every listener. */
  clear(): void {
    this.listeners.clear();
  }
}
