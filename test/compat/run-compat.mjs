// Compatibility smoke test: builds and packs nestjs-cachex, installs the tarball into two small
// apps created from scratch in test/compat/.work/, and runs them:
//   nest12-esm  NestJS 12, ESM app (`import` from 'nestjs-cachex')
//   nest11-cjs  NestJS 11, CommonJS app (`require('nestjs-cachex')`, i.e. Node's require(esm))
// The ESM app also installs the optional peers @nestjs/terminus and @opentelemetry/api: it checks
// the `nestjs-cachex/health` entry point and the OpenTelemetry export; the CommonJS app has
// neither, and must load `nestjs-cachex` all the same.
// Each app starts Nest on a free port, calls a route that uses the default cache (`CacheService`)
// and a named one (`@InjectCache('sessions')`), prints the JSON it got, closes the app, and must
// then exit by itself (an open timer or socket left by the library fails the test).
// The apps also fail if a module resolves outside their own directory, so that the repository's
// node_modules cannot hide a dependency the package forgot to declare.
// Plain Node (>= 20.19) and npm, node built-ins only. Usage: node test/compat/run-compat.mjs
/* global URL, clearTimeout */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORK = fileURLToPath(new URL('./.work/', import.meta.url));
const EXPECTED = { hits: 2, session: { user: 'a' }, ttl: 14 * 24 * 3600 * 1000 };
/** What the ESM app adds: the health indicator's status, and the hits OpenTelemetry collected. */
const EXPECTED_WITH_PEERS = { ...EXPECTED, health: 'up', otelHits: 1 };
const INSTALL_TIMEOUT_MS = 300_000;
const APP_TIMEOUT_MS = 60_000;
/** How long an app may take to exit after `app.close()` resolved. */
const EXIT_AFTER_CLOSE_MS = 5_000;
const CLOSED_MARKER = 'COMPAT CLOSED';
const RESULT_MARKER = 'COMPAT RESULT ';
const isWindows = process.platform === 'win32';

const APPS = [
  {
    name: 'nest12-esm',
    nest: '^12.0.0',
    esm: true,
    peers: true,
    main: 'main.mjs',
    nodeArgs: ['--require', './guard.cjs', '--import', './guard.mjs', 'main.mjs'],
  },
  {
    name: 'nest11-cjs',
    nest: '^11.0.0',
    esm: false,
    peers: false,
    main: 'main.cjs',
    nodeArgs: ['--require', './guard.cjs', 'main.cjs'],
  },
];

/** The environment for npm in the apps, without what `npm run`/`npm test` sets for this repo. */
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^npm_(config_local_prefix|package_|lifecycle_|command$)/i.test(key) && key !== 'INIT_CWD',
  ),
);

/**
 * Runs a command, collecting stdout and stderr together. `watch(output, kill)` is called on every
 * chunk of output and may kill the process with a reason.
 */
function run(command, args, { cwd, env = childEnv, timeoutMs, watch }) {
  return new Promise((resolve) => {
    const started = Date.now();
    let output = '';
    let killedFor;
    let child;
    try {
      child = spawn(command, args, {
        cwd,
        env,
        shell: isWindows,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      resolve({ code: null, output: String(error), ms: 0 });
      return;
    }
    const kill = (reason) => {
      if (killedFor === undefined) {
        killedFor = reason;
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs / 1000} s`), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      watch?.(output, kill);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('error', (error) => {
      output += `\n${error.stack ?? error}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, killedFor, ms: Date.now() - started });
    });
  });
}

const npm = (args, options) => run(isWindows ? 'npm.cmd' : 'npm', args, options);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const indent = (text) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

function appPackageJson(app, tarball) {
  const nest = app.nest;
  const pkg = {
    name: `compat-${app.name}`,
    version: '0.0.0',
    private: true,
    ...(app.esm ? { type: 'module' } : {}),
    dependencies: {
      '@nestjs/common': nest,
      '@nestjs/core': nest,
      '@nestjs/platform-express': nest,
      'nestjs-cachex': `file:../${tarball}`,
      ...(app.peers
        ? {
            '@nestjs/terminus': nest,
            '@opentelemetry/api': '^1.9.0',
            '@opentelemetry/sdk-metrics': '^2.0.0',
          }
        : {}),
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** The app: no decorator syntax (no build step), the decorators are called by hand. */
function appSource(app) {
  const header = app.esm
    ? `import 'reflect-metadata';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheService, CacheXModule, InjectCache } from 'nestjs-cachex';
${
  app.peers
    ? `import { TerminusModule } from '@nestjs/terminus';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { CacheXHealthIndicator } from 'nestjs-cachex/health';

class Reader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}
const reader = new Reader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** The hits of the default cache, as OpenTelemetry collects them. */
async function otelHits() {
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === 'cachex.operations')
    .flatMap((metric) => metric.dataPoints);
  const hit = points.find(
    (p) => p.attributes['cachex.cache'] === 'default' && p.attributes['cachex.result'] === 'hit',
  );
  return hit?.value;
}
`
    : ''
}`
    : `'use strict';
require('reflect-metadata');
const { Controller, Get, Inject, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { CacheService, CacheXModule, InjectCache } = require('nestjs-cachex');
`;
  return `${header}
class AppController {
  constructor(cache, sessions${app.peers ? ', health' : ''}) {
    this.cache = cache;
    this.sessions = sessions;${app.peers ? '\n    this.health = health;' : ''}
  }

  async check() {
    const { cache, sessions } = this;
    await cache.set('hits', 1);
    await cache.incr('hits');
    await sessions.set('s', { user: 'a' });
    const result = { hits: await cache.get('hits'), session: await sessions.get('s'), ttl: sessions.defaultTtl };${
      app.peers
        ? `
    result.health = (await this.health.isHealthy())['cache:default'].status;
    result.otelHits = await otelHits();`
        : ''
    }
    return result;
  }
}
Controller()(AppController);
Get('check')(AppController.prototype, 'check', Object.getOwnPropertyDescriptor(AppController.prototype, 'check'));
Inject(CacheService)(AppController, undefined, 0);
InjectCache('sessions')(AppController, undefined, 1);${
    app.peers ? '\nInject(CacheXHealthIndicator)(AppController, undefined, 2);' : ''
  }

class AppModule {}
Module({
  imports: [${app.peers ? '\n    TerminusModule,' : ''}
    CacheXModule.forRoot({
      default: { location: 'memory://', keyPrefix: 'app' },
      sessions: { location: 'memory://', keyPrefix: 'sessions', ttl: '14d' },
    }),
  ],
  controllers: [AppController],${app.peers ? '\n  providers: [CacheXHealthIndicator],' : ''}
})(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  const response = await fetch(\`http://127.0.0.1:\${port}/check\`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(\`GET /check answered \${response.status}: \${body}\`);
  console.log(${JSON.stringify(RESULT_MARKER)} + body);
  await app.close();
  console.log(${JSON.stringify(CLOSED_MARKER)});
  // Does not keep the process alive; only says what does if something else does.
  setTimeout(() => {
    console.error('still running 2 s after app.close(); active resources:', process.getActiveResourcesInfo().join(', '));
  }, 2000).unref();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;
}

// The apps live inside this repository: without these guards, a module missing from an app's
// node_modules would silently be found in the repository's node_modules.

/** require() (and CommonJS loaded by import) looks only in the app's node_modules folders. */
const GUARD_CJS = `'use strict';
const Module = require('node:module');
const { sep } = require('node:path');

const nodeModulePaths = Module._nodeModulePaths;
if (typeof nodeModulePaths === 'function') {
  Module._nodeModulePaths = (from) =>
    nodeModulePaths(from).filter((dir) => dir.startsWith(__dirname + sep));
}
`;

/** import fails when it resolves outside the app (Node runs no such hooks for require(esm)). */
const GUARD = `import { register } from 'node:module';

register('./guard-hooks.mjs', import.meta.url);
`;

const GUARD_HOOKS = `const appDir = new URL('./', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.startsWith('file:') && !result.url.startsWith(appDir)) {
    throw new Error(
      \`'\${specifier}' imported from \${context.parentURL} resolves outside the app, to \${result.url}\`,
    );
  }
  return result;
}
`;

/** Every file the installed package's "exports" (and main/types) point to must be in the tarball. */
function missingExportTargets(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const targets = new Set([pkg.main, pkg.types].filter(Boolean));
  const collect = (value) => {
    if (typeof value === 'string') targets.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.exports);
  return [...targets].filter(
    (target) => !target.includes('*') && !existsSync(join(pkgDir, target)),
  );
}

function installedVersion(appDir, name) {
  try {
    return JSON.parse(readFileSync(join(appDir, 'node_modules', name, 'package.json'), 'utf8'))
      .version;
  } catch {
    return '?';
  }
}

async function testApp(app, installing) {
  const dir = join(WORK, app.name);
  const install = await installing;
  if (install.code !== 0) {
    return {
      ok: false,
      reason: `npm install failed (${install.killedFor ?? `exit code ${install.code}`})`,
      output: install.output,
    };
  }
  const missing = missingExportTargets(join(dir, 'node_modules', 'nestjs-cachex'));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `files named in package.json missing from the package: ${missing}`,
    };
  }

  let closedAt;
  let exitTimer;
  const result = await run(process.execPath, app.nodeArgs, {
    cwd: dir,
    timeoutMs: APP_TIMEOUT_MS,
    watch: (output, kill) => {
      if (closedAt === undefined && output.includes(CLOSED_MARKER)) {
        closedAt = Date.now();
        exitTimer = setTimeout(
          () => kill(`did not exit within ${seconds(EXIT_AFTER_CLOSE_MS)} after app.close()`),
          EXIT_AFTER_CLOSE_MS,
        );
      }
    },
  });
  clearTimeout(exitTimer);
  const fail = (reason) => ({ ok: false, reason, output: result.output });
  if (result.killedFor) return fail(result.killedFor);
  if (result.code !== 0) return fail(`exited with ${result.code ?? result.signal}`);
  const line = result.output.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) return fail('printed no result');
  let got;
  try {
    got = JSON.parse(line.slice(RESULT_MARKER.length));
  } catch {
    return fail('printed a result that is not JSON');
  }
  const expected = app.peers ? EXPECTED_WITH_PEERS : EXPECTED;
  if (!isDeepStrictEqual(got, expected)) {
    return fail(`wrong result: ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  }
  if (closedAt === undefined) return fail('exited before app.close() finished');
  const exitMs = Date.now() - closedAt;
  const nest = installedVersion(dir, '@nestjs/core');
  const how = app.esm
    ? 'ESM import, with terminus and OpenTelemetry'
    : 'CommonJS require(esm), without them';
  return {
    ok: true,
    summary: `NestJS ${nest}, ${how}: ${JSON.stringify(got)} (install ${seconds(install.ms)}, run ${seconds(result.ms)}, exit ${exitMs} ms after close)`,
  };
}

async function main() {
  const started = Date.now();
  if (!process.features.require_module) {
    console.error(`Node ${process.version} cannot require() ES modules; use Node >= 20.19.`);
    return 0;
  }
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });

  const build = await npm(['run', 'build'], { cwd: ROOT, env: process.env, timeoutMs: 180_000 });
  if (build.code !== 0) {
    console.error(`npm run build failed:\n${indent(build.output)}`);
    return 0;
  }
  const pack = await npm(['pack', '--pack-destination', WORK], { cwd: ROOT, timeoutMs: 60_000 });
  const tarballs = readdirSync(WORK).filter((file) => file.endsWith('.tgz'));
  if (pack.code !== 0 || tarballs.length !== 1) {
    console.error(`npm pack failed:\n${indent(pack.output)}`);
    return 0;
  }
  const [tarball] = tarballs;

  // Write both apps, install them in parallel, then run them in parallel.
  const runs = APPS.map((app) => {
    const dir = join(WORK, app.name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), appPackageJson(app, tarball));
    writeFileSync(join(dir, app.main), appSource(app));
    writeFileSync(join(dir, 'guard.cjs'), GUARD_CJS);
    if (app.esm) {
      writeFileSync(join(dir, 'guard.mjs'), GUARD);
      writeFileSync(join(dir, 'guard-hooks.mjs'), GUARD_HOOKS);
    }
    const installing = npm(['install', '--no-audit', '--no-fund', '--no-package-lock'], {
      cwd: dir,
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    return testApp(app, installing).catch((error) => ({
      ok: false,
      reason: String(error?.stack ?? error),
    }));
  });
  const results = await Promise.all(runs);

  console.log(`nestjs-cachex compat (${tarball}, Node ${process.version}):`);
  results.forEach((result, i) => {
    const name = APPS[i].name;
    if (result.ok) {
      console.log(`  PASS ${name}: ${result.summary}`);
    } else {
      console.log(`  FAIL ${name}: ${result.reason}`);
      if (result.output) console.log(indent(result.output));
    }
  });
  console.log(`(${seconds(Date.now() - started)})`);
  return results.filter((result) => result.ok).length;
}

/** Prints the summary line; exits with 1 unless every app passed. */
function finish(passed) {
  console.log(`${passed} passed, ${APPS.length - passed} failed`);
  if (passed !== APPS.length) process.exitCode = 1;
}

main().then(finish, (error) => {
  console.error(error);
  finish(0);
});
