/**
 * Loads a peer library of the benchmarks: from bench/node_modules (`cd bench && npm install`), or,
 * when BENCH_PEERS_DIR names a folder holding a node_modules, from there (a private install for
 * one run, so that bench/node_modules is left alone). Peers that are CommonJS find their own
 * peers (@nestjs/common, ioredis) through NODE_PATH in that case; see bench/README.md.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function loadPeer(name) {
  try {
    return await import(name);
  } catch (error) {
    const dir = process.env.BENCH_PEERS_DIR;
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !dir) throw hint(name, error);
    try {
      const scratch = createRequire(join(dir, 'package.json'));
      return await import(pathToFileURL(scratch.resolve(name)).href);
    } catch (inner) {
      throw hint(name, inner);
    }
  }
}

function hint(name, cause) {
  return new Error(
    `${name} is not installed for the benchmark: run \`cd bench && npm install\`, or set ` +
      `BENCH_PEERS_DIR to a folder where it is installed`,
    { cause },
  );
}
