/**
 * Jest globalSetup of the "servers" project: starts the shared real servers (topology.ts) and
 * publishes their addresses to the test workers through process.env.CACHEX_TEST_SERVERS
 * (read them with `testServers()` from servers.ts).
 *
 * Why the harness modules are compiled here instead of imported: Jest loads this file outside
 * its module runtime. ts-jest turns it into an ES module that Node then links natively, so
 * relative imports like `./topology.js` (which only exist as `.ts`) cannot be resolved, and
 * jest.config.js's moduleNameMapper does not apply. So this file imports only packages, and
 * transpiles the sibling harness modules with TypeScript into a throw-away directory under
 * os.tmpdir() (removed right after loading), then imports them from there. Test files import
 * the same `.ts` sources through Jest as usual.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { TestServers } from './servers.js';
import type * as Topology from './topology.js';

/** Shared with global-teardown.ts (same Jest process, separately loaded module). */
const STATE_KEY = Symbol.for('nestjs-cachex.test-harness');
export interface HarnessState {
  servers: TestServers;
  stop(): Promise<void>;
}

interface ProjectConfig {
  rootDir: string;
}

export default async function globalSetup(_globalConfig: unknown, project: ProjectConfig) {
  const started = Date.now();
  const { startTopology, stopTopology, TEST_SERVERS_ENV } = await loadHarness(project.rootDir);
  const topology = await startTopology();
  const state: HarnessState = {
    servers: topology.servers,
    stop: () => stopTopology(topology),
  };
  (globalThis as Record<symbol, unknown>)[STATE_KEY] = state;
  process.env[TEST_SERVERS_ENV] = JSON.stringify(topology.servers);

  const { redis, valkey, cluster, tls } = topology.servers;
  process.stderr.write(
    `\n[test harness] servers up in ${Date.now() - started} ms: redis :${redis.port} ` +
      `(+ ${redis.unixSocket}), valkey :${valkey.port}, cluster ` +
      `${cluster.nodes.map((n) => `:${n.port}`).join(' ')}, tls :${tls.port}\n`,
  );
}

type HarnessModules = typeof Topology & { TEST_SERVERS_ENV: string };

async function loadHarness(rootDir: string): Promise<HarnessModules> {
  const sourceDir = join(rootDir, 'test', 'harness');
  const outDir = await mkdtemp(join(tmpdir(), 'cachex-harness-build-'));
  try {
    // Bare imports (ioredis) resolve through this link to the project's own node_modules.
    await symlink(join(rootDir, 'node_modules'), join(outDir, 'node_modules'), 'dir');
    await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
    // Transpile the entry modules and, transitively, the sibling modules they import.
    const pending = ['topology', 'servers'];
    const done = new Set<string>();
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (done.has(name)) continue;
      done.add(name);
      const fileName = join(sourceDir, `${name}.ts`);
      const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
        fileName,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          inlineSourceMap: true,
          inlineSources: true,
        },
      });
      await writeFile(join(outDir, `${name}.js`), outputText);
      for (const [, dep] of outputText.matchAll(/(?:from|import\()\s*['"]\.\/([\w.-]+)\.js['"]/g)) {
        pending.push(dep);
      }
    }
    const load = (name: string) => import(pathToFileURL(join(outDir, `${name}.js`)).href);
    const [topology, servers] = await Promise.all([load('topology'), load('servers')]);
    return { ...topology, TEST_SERVERS_ENV: servers.TEST_SERVERS_ENV };
  } finally {
    // Loaded ES modules stay in memory; the files are not needed any more.
    await rm(outDir, { recursive: true, force: true });
  }
}
