import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  Post,
} from '@nestjs/common';
import { CacheService } from 'nestjs-cachex';
import { UserDirectory, type UserProfile } from './user-directory.js';
import { UserProfiles } from './user-profiles.service.js';

export interface ProfileResponse {
  profile: UserProfile;
  /** The version of the user's group of keys the profile was cached under. */
  version: number;
  /** Whether this request was answered from the cache. */
  fromCache: boolean;
}

/**
 * Versioned key groups: every entry about a user carries the version of the `user:<id>`
 * namespace in its key, so one `invalidateNamespace` call orphans all of them at once, without
 * scanning or knowing the keys. The orphans expire with their TTL.
 */
@Controller('users')
export class UsersController {
  constructor(
    private readonly cache: CacheService,
    private readonly directory: UserDirectory,
    private readonly profiles: UserProfiles,
  ) {}

  /** The user's data through `@Cacheable` (tagged `user:<id>`); `loads` counts directory loads. */
  @Get(':id/data')
  async data(
    @Param('id', ParseIntPipe) id: number,
  ): Promise<{ profile: UserProfile; loads: number }> {
    const profile = await this.profiles.getUserData(id);
    return { profile, loads: this.directory.loads };
  }

  /** Renames the user; `@CacheEvict` invalidates the tag, so the next read loads afresh. */
  @Post(':id/rename')
  @HttpCode(HttpStatus.NO_CONTENT)
  async rename(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: { displayName?: unknown },
  ): Promise<void> {
    if (typeof body?.displayName !== 'string' || body.displayName === '')
      throw new BadRequestException('displayName must be a non-empty string');
    await this.profiles.rename(id, body.displayName);
  }

  /** The profile, cached under `user:<id>:profile:v<version>`. */
  @Get(':id/profile')
  async profile(@Param('id', ParseIntPipe) id: number): Promise<ProfileResponse> {
    const version = await this.cache.namespaceVersion(`user:${id}`);
    let loaded = false;
    const profile = await this.cache.getOrSet(
      `user:${id}:profile:v${version}`,
      () => {
        loaded = true;
        return this.directory.loadProfile(id);
      },
      { ttl: '10m' },
    );
    return { profile, version, fromCache: !loaded };
  }

  /** Invalidates everything cached about the user (say, after they edit their profile). */
  @Post(':id/invalidate')
  @HttpCode(HttpStatus.OK)
  async invalidate(@Param('id', ParseIntPipe) id: number): Promise<{ version: number }> {
    return { version: await this.cache.invalidateNamespace(`user:${id}`) };
  }
}
