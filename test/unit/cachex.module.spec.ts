import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheRegistry,
  CacheService,
  CacheXError,
  CacheXConfigError,
  CacheXModule,
  InjectCache,
  getCacheToken,
  type CachesConfig,
  type CacheXOptionsFactory,
} from '../../lib/index.js';
import { registryHost } from '../../lib/registry/registry.host.js';

@Injectable()
class SessionStore {
  constructor(
    readonly cache: CacheService,
    @InjectCache('sessions') readonly sessions: CacheService,
  ) {}
}

@Injectable()
class Settings {
  readonly sessionTtl = '14d';
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class CachesFactory implements CacheXOptionsFactory {
  createCachesConfig(): CachesConfig {
    return {
      default: { location: 'memory://' },
      sessions: { location: 'memory://', ttl: '14d', keyPrefix: 'sess' },
    };
  }
}

const caches: CachesConfig = {
  default: { location: 'memory://' },
  sessions: { location: 'memory://', ttl: '14d', keyPrefix: 'sess' },
};

async function boot(imports: unknown[], providers: unknown[] = [SessionStore]) {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    providers: providers as never[],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('CacheXModule', () => {
  it('forRoot: CacheService is the default cache, @InjectCache picks a named one', async () => {
    const app = await boot([CacheXModule.forRoot(caches)]);
    const store = app.get(SessionStore);
    expect(store.cache.name).toBe('default');
    expect(store.cache.defaultTtl).toBe(300_000);
    expect(store.sessions.name).toBe('sessions');
    expect(store.sessions.defaultTtl).toBe(14 * 86_400_000);
    expect(app.get(CacheRegistry).names()).toEqual(['default', 'sessions']);
    expect(app.get(getCacheToken('sessions'))).toBe(store.sessions);
    await store.sessions.set('s1', { user: 'ann' });
    expect(await store.sessions.get('s1')).toEqual({ user: 'ann' });
    expect(await store.sessions.ttl('s1')).toBeGreaterThan(13 * 86_400_000);
    await app.close();
  });

  it('is global by default: a feature module injects caches without importing the module', async () => {
    @Module({ providers: [SessionStore], exports: [SessionStore] })
    class FeatureModule {}
    const app = await boot([CacheXModule.forRoot(caches), FeatureModule], []);
    expect(app.get(SessionStore).sessions.name).toBe('sessions');
    await app.close();
  });

  it('with isGlobal: false, a feature module must import it', async () => {
    @Module({ providers: [SessionStore] })
    class FeatureModule {}
    await expect(
      boot([CacheXModule.forRoot(caches, { isGlobal: false }), FeatureModule], []),
    ).rejects.toThrow(/SessionStore/);
  });

  it('forRootAsync with useFactory and injected providers', async () => {
    const app = await boot([
      CacheXModule.forRootAsync({
        cacheNames: ['default', 'sessions'],
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: async (settings: Settings) => ({
          default: { location: 'memory://' },
          sessions: { location: 'memory://', ttl: settings.sessionTtl, keyPrefix: 'sess' },
        }),
      }),
    ]);
    expect(app.get(SessionStore).sessions.defaultTtl).toBe(1_209_600_000);
    await app.close();
  });

  it('forRootAsync with useClass and with useExisting', async () => {
    const withClass = await boot([
      CacheXModule.forRootAsync({ cacheNames: ['default', 'sessions'], useClass: CachesFactory }),
    ]);
    expect(withClass.get(SessionStore).sessions.defaultTtl).toBe(1_209_600_000);
    await withClass.close();

    @Module({ providers: [CachesFactory], exports: [CachesFactory] })
    class FactoryModule {}
    const withExisting = await boot([
      CacheXModule.forRootAsync({
        cacheNames: ['default', 'sessions'],
        imports: [FactoryModule],
        useExisting: CachesFactory,
      }),
    ]);
    expect(withExisting.get(CacheRegistry).names()).toEqual(['default', 'sessions']);
    await withExisting.close();
  });

  it('forRootAsync fails at start-up when the factory returns other names than declared', async () => {
    const error = await boot([CacheXModule.forRootAsync({ useFactory: () => caches })], []).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect((error as Error).message).toMatch(/cacheNames.*default.*sessions/s);
  });

  it('forRootAsync without a factory is a configuration error', () => {
    expect(() => CacheXModule.forRootAsync({})).toThrow(CacheXConfigError);
  });

  it('an invalid configuration fails at start-up, naming the cache and the option', async () => {
    const error = await boot(
      [CacheXModule.forRoot({ default: { location: 'memory://' }, sessions: { ttl: '-5s' } })],
      [],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect(error).toMatchObject({ cache: 'sessions', option: 'ttl' });
    expect((error as Error).message).toContain("Cache 'sessions'");
  });

  it('a missing default cache fails at start-up', async () => {
    const error = await boot(
      [CacheXModule.forRoot({ sessions: { location: 'memory://' } } as unknown as CachesConfig)],
      [],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect((error as Error).message).toMatch(/No 'default' cache/);
  });

  it('injecting an unregistered cache fails at start-up and lists the registered ones', async () => {
    @Injectable()
    class NeedsAudit {
      constructor(@InjectCache('audit') readonly audit: CacheService) {}
    }
    const error = await boot([CacheXModule.forRoot(caches)], [NeedsAudit]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheXConfigError);
    expect((error as Error).message).toContain("NeedsAudit injects cache 'audit'");
    expect((error as Error).message).toContain('Registered caches: default, sessions');
  });

  it('CacheRegistry.get of an unknown name lists the registered ones', async () => {
    const app = await boot([CacheXModule.forRoot(caches)]);
    expect(() => app.get(CacheRegistry).get('nope')).toThrow(
      /Registered caches: default, sessions/,
    );
    await app.close();
  });

  it('caches on one memory store share data, as on one Redis database; closing the app drops it', async () => {
    const shared: CachesConfig = {
      default: { location: 'memory://shared' },
      sessions: { location: 'memory://shared', keyPrefix: 'sess' },
    };
    const first = await boot([CacheXModule.forRoot(shared)]);
    const { cache, sessions } = first.get(SessionStore);
    await cache.set('k', 'default');
    await sessions.set('k', 'sessions');
    expect(await cache.get('k')).toBe('default');
    expect(await sessions.get('k')).toBe('sessions');
    await first.close();

    const second = await boot([CacheXModule.forRoot(shared)]);
    expect(await second.get(SessionStore).cache.get('k')).toBeUndefined();
    await second.close();
  });
});

describe('registryHost (call-time lookup for method decorators)', () => {
  it('serves the initialised application, and refuses before init and after close', async () => {
    expect(() => registryHost.get('@Test on X.y')).toThrow(
      /@Test on X.y needs a cache.*CacheXModule/s,
    );
    const app = await boot([CacheXModule.forRoot(caches)]);
    expect(registryHost.get('@Test on X.y')).toBe(app.get(CacheRegistry));
    await app.close();
    expect(() => registryHost.get('@Test on X.y')).toThrow(CacheXError);
  });
});
