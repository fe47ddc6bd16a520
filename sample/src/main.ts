import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheService } from 'nestjs-cachex';
import { AppModule } from './app.module.js';

/** Starts the sample: `CACHEX_URL` picks the server (in-memory by default), `PORT` the port. */
async function bootstrap(): Promise<void> {
  const location = process.env.CACHEX_URL ?? 'memory://';
  const port = Number(process.env.PORT ?? 3000);

  const app = await NestFactory.create(AppModule.forRoot({ location }));
  // Closes the caches' connections on Ctrl-C / SIGTERM.
  app.enableShutdownHooks();
  await app.listen(port);

  const cache = app.get(CacheService);
  const logger = new Logger('Sample');
  logger.log(`Listening on ${await app.getUrl()}`);
  logger.log(`Caches on the ${cache.kind} backend (${redact(location)})`);
}

/** The location without its password, for the logs. */
function redact(location: string): string {
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return location;
  }
}

await bootstrap();
