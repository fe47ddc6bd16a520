/**
 * Issue 13, item 6: hash slots computed exactly as Redis computes them, checked against the
 * cluster's own `CLUSTER KEYSLOT`, and multi-key work on keys whose slot cluster-key-slot gets
 * wrong (an empty hash tag followed by another `}`).
 */
import { Cluster } from 'ioredis';
import { CrossSlotError } from '../../../lib/index.js';
import { keyHashSlot } from '../../../lib/keys/key-slot.js';
import { testServers } from '../../harness/index.js';
import { openCaches } from '../../support/open-cache.js';

const { open } = openCaches();

/** Edge cases of hash tags: empty, unclosed, nested, repeated, multi-byte. */
const KEYS = [
  '',
  'a',
  'foo',
  '{',
  '}',
  '{}',
  '}{',
  '{}}',
  '{}u}1',
  '{}u}2',
  'x{}u}1',
  '{{}}',
  '{{a}}',
  '{a}{b}',
  '{a{b}c}',
  'a{b',
  'a}b{c',
  '{user:1}:profile',
  'prefix:1:{tag}:x',
  '{ü}',
  'ключ{тег}',
  '😀{😀}',
  ':1:{}u}1',
  'p{}:cachex:lock:{job}',
];

describe('hash slots as Redis computes them', () => {
  let admin: Cluster;
  beforeAll(() => {
    admin = new Cluster(testServers().cluster.nodes);
  });
  afterAll(async () => {
    await admin.quit();
  });

  it.each(KEYS)('keyHashSlot(%p) equals CLUSTER KEYSLOT', async (key) => {
    expect(keyHashSlot(key)).toBe(await admin.cluster('KEYSLOT', key));
  });

  it('agrees with CLUSTER KEYSLOT on 500 random keys made of braces and letters', async () => {
    const alphabet = ['{', '}', 'a', 'b', ':'];
    for (let i = 0; i < 500; i++) {
      const length = 1 + (i % 8);
      let key = '';
      for (let j = 0; j < length; j++) key += alphabet[Math.floor(Math.random() * alphabet.length)];
      expect([key, keyHashSlot(key)]).toEqual([key, await admin.cluster('KEYSLOT', key)]);
    }
  });
});

describe('multi-key operations on keys with an empty hash tag', () => {
  // Keys whose full key is `<prefix>:1:{}u}N`: Redis hashes each whole, cluster-key-slot hashes `u`.
  const keys = ['{}u}1', '{}u}2', '{}u}3', '{}u}4', '{}u}5', '{}u}6'];

  it('setMany, getMany and deleteMany work', async () => {
    const cache = await open({ location: testServers().cluster.urls, cluster: true });
    await cache.setMany(Object.fromEntries(keys.map((k, i) => [k, i])));
    expect([...(await cache.getMany(keys)).values()]).toEqual(keys.map((_, i) => i));
    expect(await cache.deleteMany(keys)).toBe(keys.length);
  });

  it('sinter and a transaction over keys in different slots throw CrossSlotError before sending', async () => {
    const cache = await open({ location: testServers().cluster.urls, cluster: true });
    const full = keys.map((k) => cache.keyBuilder.key(k));
    // cluster-key-slot puts them all in the slot of `u`; Redis spreads them.
    const a = keys[0]!;
    const b = keys.find((_, i) => keyHashSlot(full[i]!) !== keyHashSlot(full[0]!))!;
    await expect(cache.sinter([a, b])).rejects.toBeInstanceOf(CrossSlotError);
    expect(() => cache.pipeline({ transaction: true }).set(a, 1).set(b, 2)).toThrow(CrossSlotError);
  });
});
