import { Module } from '@nestjs/common';
import { UserDirectory } from './user-directory.js';
import { UserProfiles } from './user-profiles.service.js';
import { UsersController } from './users.controller.js';

/**
 * Recipe: versioned key groups, by hand (`namespaceVersion` / `invalidateNamespace`) and with
 * `@Cacheable` tags and `@CacheEvict`.
 */
@Module({
  controllers: [UsersController],
  providers: [UserDirectory, UserProfiles],
})
export class UsersModule {}
