import { keyHashSlot } from '../../keys/key-slot.js';
import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import type { BackendStep, RawValue, StepResult } from '../backend.interface.js';
import { RedisBackend, scanNode } from './redis.backend.js';
import type { BatchRouting } from './tick-batcher.js';

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
    this.batch?.hold();
    const result = new Array<RawValue | undefined>(keys.length);
    await Promise.all(
      groupBySlot(keys).map(async (indexes) => {
        const group = indexes.map((i) => keys[i]!);
        const values = await this.on(group[0]!, (client): Promise<Array<RawValue | null>> =>
          this.options.binary ? client.mgetBuffer(group) : client.mget(group),
        );
        indexes.forEach((keyIndex, i) => (result[keyIndex] = values[i] ?? undefined));
      }),
    );
    return result;
  }

  override async setMany(
    entries: ReadonlyArray<readonly [string, RawValue]>,
    ttl: number | null,
  ): Promise<void> {
    // Sent in one tick: batching writes them in one go to each master.
    this.batch?.hold();
    await Promise.all(
      entries.map(([key, value]) =>
        this.on(key, (client) =>
          ttl === null ? client.set(key, value) : client.set(key, value, 'PX', ttl),
        ),
      ),
    );
  }

  override async delete(keys: readonly string[]): Promise<number> {
    this.batch?.hold();
    const counts = await Promise.all(
      groupBySlot(keys).map((indexes) => {
        const group = indexes.map((i) => keys[i]!);
        return this.on(group[0]!, (client) => client.unlink(group));
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  override async *scan(pattern: string, count: number): AsyncIterable<string[]> {
    let masters = this.cluster.nodes('master');
    if (masters.length === 0) {
      // Not connected yet: any routed command waits for the slot map, then the nodes are known.
      this.batch?.hold();
      await this.cluster.exists(pattern);
      masters = this.cluster.nodes('master');
    }
    for (const node of masters) yield* scanNode(node, pattern, count, this.batch);
  }

  /**
   * A pipeline whose keys live on several nodes is split into one pipeline per node, run in
   * parallel, and the results put back in order. Steps on different nodes touch different keys,
   * so their relative order cannot matter. A transaction is one MULTI/EXEC (the cache layer has
   * checked that its keys share a slot).
   */
  override async pipeline(
    steps: readonly BackendStep[],
    transaction: boolean,
  ): Promise<StepResult[]> {
    if (transaction) return super.pipeline(steps, true);
    const groups = groupByNode(this.cluster, steps);
    if (groups.length <= 1) return super.pipeline(steps, false);
    const results = new Array<StepResult>(steps.length);
    await Promise.all(
      groups.map(async (indexes) => {
        const part = await super.pipeline(
          indexes.map((i) => steps[i]!),
          false,
        );
        indexes.forEach((stepIndex, i) => (results[stepIndex] = part[i]!));
      }),
    );
    return results;
  }

  /** Coalesced batches are split by hash slot; each part goes to its slot's node. */
  protected override batchRouting(): BatchRouting {
    return {
      group: groupBySlot,
      route: (key, send) => this.on(key, send),
    };
  }

  /**
   * Sends a key's command to the cluster, which routes it, except for keys whose slot ioredis
   * computes wrongly (an empty hash tag followed by another `}`, as in `{}u}1`; see
   * {@link keyHashSlot}). Those go straight to the master of their real slot: routed by ioredis,
   * they would be answered MOVED, which it follows only for a pipeline of reads. NOTE: routed
   * commands are sent synchronously, so that commands of one tick keep their order.
   */
  private on<T>(key: string, send: (client: Redis | Cluster) => Promise<T>): Promise<T> {
    const slot = keyHashSlot(key);
    if (calculateSlot(key) === slot) return send(this.cluster);
    return this.masterOf(slot).then(send);
  }

  /** The master serving a slot, or the cluster when none is known. */
  private async masterOf(slot: number): Promise<Redis | Cluster> {
    // The slot map is known once connected; a routed command waits for that.
    if (this.cluster.slots.length === 0) await this.cluster.ping();
    const address = this.cluster.slots[slot]?.[0];
    const node = this.cluster
      .nodes('master')
      .find((n) => `${n.options.host}:${n.options.port}` === address);
    return node ?? this.cluster;
  }

  override async rename(from: string, to: string): Promise<boolean> {
    if (keyHashSlot(from) === keyHashSlot(to)) return super.rename(from, to);
    // NOTE: keys in different slots cannot be moved atomically; DUMP/RESTORE keeps type and TTL.
    this.batch?.hold();
    const [dump, ttl] = await Promise.all([this.cluster.dumpBuffer(from), this.cluster.pttl(from)]);
    if (dump === null) return false;
    this.batch?.hold();
    await this.cluster.restore(to, ttl > 0 ? ttl : 0, dump, 'REPLACE');
    this.batch?.hold();
    await this.cluster.unlink(from);
    return true;
  }
}

/**
 * Indexes of pipeline steps grouped by the nodes serving their slot (as ioredis groups slots),
 * so that each group is one pipeline to one node. Before the slot map is known, by slot. A step
 * without keys joins the first group.
 */
function groupByNode(cluster: Cluster, steps: readonly BackendStep[]): number[][] {
  const groups = new Map<string, number[]>();
  let first: string | undefined;
  steps.forEach((step, index) => {
    let id = first ?? '';
    if (step.keys.length > 0) {
      const slot = keyHashSlot(step.keys[0]!);
      id = cluster.slots[slot]?.join(';') ?? `slot ${slot}`;
    }
    first ??= id;
    const group = groups.get(id);
    if (group) group.push(index);
    else groups.set(id, [index]);
  });
  return [...groups.values()];
}

/** Indexes of `keys` grouped by hash slot, in first-seen order. */
function groupBySlot(keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((key, index) => {
    const slot = keyHashSlot(key);
    const group = groups.get(slot);
    if (group) group.push(index);
    else groups.set(slot, [index]);
  });
  return [...groups.values()];
}
