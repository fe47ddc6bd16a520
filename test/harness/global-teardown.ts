/**
 * Jest globalTeardown of the "servers" project: stops the shared servers (SIGTERM, SIGKILL
 * after 2 s) and removes their temp dirs. Imports nothing at runtime (see global-setup.ts).
 */
import type { HarnessState } from './global-setup.js';

const STATE_KEY = Symbol.for('nestjs-cachex.test-harness');

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<symbol, HarnessState | undefined>;
  const state = holder[STATE_KEY];
  delete holder[STATE_KEY];
  delete process.env.CACHEX_TEST_SERVERS;
  await state?.stop();
}
