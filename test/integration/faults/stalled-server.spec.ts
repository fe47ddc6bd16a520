/** Issue 13, item 4: `app.close()` while the server is stalled (SIGSTOP) ends within about 1 s. */
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheService, CacheXModule } from '../../../lib/index.js';
import { spawnRedis, type SpawnedRedis } from '../../harness/index.js';

/** The server's process id, as it reports it. */
async function serverPid(server: SpawnedRedis): Promise<number> {
  const admin = new Redis({ host: server.host, port: server.port });
  try {
    const info = await admin.info('server');
    return Number(/process_id:(\d+)/.exec(info)![1]);
  } finally {
    admin.disconnect();
  }
}

describe('a stalled server', () => {
  let server: SpawnedRedis;
  let pid: number;
  beforeAll(async () => {
    server = await spawnRedis();
    pid = await serverPid(server);
  });
  afterAll(async () => {
    process.kill(pid, 'SIGCONT');
    await server.stop();
  });

  it('app.close() gives up on QUIT after about 1 s and closes the connection', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheXModule.forRoot({
          default: { location: server.url, keyPrefix: 'stall' },
          other: { location: server.url, keyPrefix: 'stall-other' },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const cache = app.get(CacheService);
    await cache.set('k', 1);
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      // Bounded: before the fix, close() waited for QUIT for as long as the server stalled.
      const closed = await Promise.race([
        app.close().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 8_000).unref()),
      ]);
      expect(closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((cache.backend as unknown as { client: Redis }).client.status).toBe('end');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
