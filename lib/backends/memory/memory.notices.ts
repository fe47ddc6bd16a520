import type { BackendNotices } from '../backend.interface.js';
import { LocalChannels } from '../local-channels.js';

/**
 * Listeners of memory-backend notices, by channel. Process-wide, as the memory stores are: two
 * stores with a lock of the same key wake each other's waiters, which then just try again (as a
 * PUBLISH on one Redis database reaches subscribers of every database).
 */
const channels = new LocalChannels();
const SUBSCRIBED = Promise.resolve(true);

/** The memory backend's notices: delivered in-process, synchronously, by {@link publishMemoryNotice}. */
export const MEMORY_NOTICES: BackendNotices = {
  listen: (channel, onNotice) => channels.add(channel, onNotice, SUBSCRIBED),
};

/** The memory twin of PUBLISH: wakes this process' listeners of a channel. */
export function publishMemoryNotice(channel: string): void {
  channels.notify(channel);
}
