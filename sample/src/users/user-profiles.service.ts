import { Injectable } from '@nestjs/common';
import { CacheEvict, Cacheable } from 'nestjs-cachex';
import { UserDirectory, type UserProfile } from './user-directory.js';

/**
 * The versioned key groups recipe with decorators: `@Cacheable` stores the user's data with the
 * tag `user:<id>`, and `@CacheEvict` invalidates every entry with that tag in one step.
 */
@Injectable()
export class UserProfiles {
  constructor(private readonly directory: UserDirectory) {}

  /** The user's data, cached for an hour under `user:<id>:data`, tagged `user:<id>`. */
  @Cacheable({ key: 'user:{0}:data', ttl: '1h', tags: (id: number) => [`user:${id}`] })
  async getUserData(id: number): Promise<UserProfile> {
    return this.directory.loadProfile(id);
  }

  /** Renames the user; every entry tagged `user:<id>` is a miss afterwards. */
  @CacheEvict({ tags: (id: number) => [`user:${id}`] })
  async rename(id: number, displayName: string): Promise<void> {
    await this.directory.rename(id, displayName);
  }
}
