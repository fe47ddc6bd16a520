// A standalone Nest app (createApplicationContext: no HTTP server) that waits, for the
// "waits keep the process alive" tests of lock.spec.ts. Run as
//   node --import ./test/support/ts-import.mjs test/integration/lock-wait.app.mjs <location> <scenario>
// It prints one line per event (`EVENT <name> <ms since start> [detail]`) and must exit by
// itself once the app is closed. Scenarios:
//   lock-wait   withLock(wait 500 ms) on a lock another holder keeps (nothing else holds the
//               event loop): the wait must run to its end (LockAcquireTimeoutError), then close
//   wrap-wait   cache.wrap() with a cross-process lock: waits (wait 500 ms) for a holder of the
//               key's lock that never releases, then computes
//   close-wait  withLock(wait 60 s) on a held lock, app.close() 300 ms later: the wait ends at
//               once (it must not hold the process for a minute)
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheService, CacheXModule } from '../../lib/index.ts';

const [location, scenario] = process.argv.slice(2);
const started = Date.now();
const event = (name, detail = '') =>
  process.stdout.write(`EVENT ${name} ${Date.now() - started} ${detail}\n`);

class AppModule {}
Module({
  imports: [CacheXModule.forRoot({ default: { location, keyPrefix: `wait-${process.pid}` } })],
})(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const cache = app.get(CacheService);
// Another holder that keeps the lock: acquired, and nothing of it holds the event loop.
const holder = cache.lock(scenario === 'wrap-wait' ? 'cacheable:k' : 'job', { lease: '1m' });
if (!(await holder.acquire())) throw new Error('the holder could not acquire');
event('waiting');
const outcome = (run) =>
  run.then(
    (value) => event('wait-ended', `value=${value}`),
    (error) => event('wait-ended', `error=${error?.name}`),
  );

if (scenario === 'lock-wait') {
  await outcome(cache.withLock('job', () => 'ran', { wait: 500 }));
} else if (scenario === 'wrap-wait') {
  await outcome(cache.wrap('k', () => 'computed', { lock: { wait: 500 } }));
} else if (scenario === 'close-wait') {
  const waiting = outcome(cache.withLock('job', () => 'ran', { wait: 60_000 }));
  setTimeout(() => void app.close(), 300);
  await waiting;
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
await holder.release().catch(() => undefined);
await app.close();
event('closed');
