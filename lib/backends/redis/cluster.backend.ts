import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type { RawValue } from '../backend.interface.js';
import { RedisBackend, scanNode } from './redis.backend.js';

/**
 * The backend on a Redis Cluster. Multi-key commands are split by hash slot (a cluster refuses
 * a command whose keys span slots); `scan` visits every master. Keys that must be touched
 * together atomically carry a shared hash tag, chosen by the feature that owns them.
 */
export class ClusterBackend extends RedisBackend {
  override readonly kind = 'cluster' as const;

  private get cluster(): Cluster {
    return this.client as Cluster;
  }

  override async getMany(keys: readonly string[]): Promise<(RawValue | undefined)[]> {
    const result = new Array<RawValue | undefined>(keys.length);
    await Promise.all(
      groupBySlot(keys).map(async (indexes) => {
        const group = indexes.map((i) => keys[i]!);
        const values: Array<RawValue | null> = this.options.binary
          ? await this.cluster.mgetBuffer(...group)
          : await this.cluster.mget(...group);
        indexes.forEach((keyIndex, i) => (result[keyIndex] = values[i] ?? undefined));
      }),
    );
    return result;
  }

  override async setMany(
    entries: ReadonlyArray<readonly [string, RawValue]>,
    ttl: number | null,
  ): Promise<void> {
    // Auto-pipelining batches these per node: one round trip to each master.
    await Promise.all(entries.map(([key, value]) => this.set(key, value, { ttl })));
  }

  override async delete(keys: readonly string[]): Promise<number> {
    const counts = await Promise.all(
      groupBySlot(keys).map((indexes) => this.cluster.unlink(...indexes.map((i) => keys[i]!))),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  override async *scan(pattern: string, count: number): AsyncIterable<string[]> {
    let masters = this.cluster.nodes('master');
    if (masters.length === 0) {
      // Not connected yet: any routed command waits for the slot map, then the nodes are known.
      await this.cluster.exists(pattern);
      masters = this.cluster.nodes('master');
    }
    for (const node of masters) yield* scanNode(node, pattern, count);
  }

  override async rename(from: string, to: string): Promise<boolean> {
    if (calculateSlot(from) === calculateSlot(to)) return super.rename(from, to);
    // NOTE: keys in different slots cannot be moved atomically; DUMP/RESTORE keeps type and TTL.
    const [dump, ttl] = await Promise.all([this.cluster.dumpBuffer(from), this.cluster.pttl(from)]);
    if (dump === null) return false;
    await this.cluster.restore(to, ttl > 0 ? ttl : 0, dump, 'REPLACE');
    await this.cluster.unlink(from);
    return true;
  }
}

/** Indexes of `keys` grouped by hash slot, in first-seen order. */
function groupBySlot(keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((key, index) => {
    const slot = calculateSlot(key);
    const group = groups.get(slot);
    if (group) group.push(index);
    else groups.set(slot, [index]);
  });
  return [...groups.values()];
}
