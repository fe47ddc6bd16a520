import { Module } from '@nestjs/common';
import { UserDirectory } from './user-directory.js';
import { UsersController } from './users.controller.js';

/** Recipe: versioned key groups (`namespaceVersion` / `invalidateNamespace`). */
@Module({
  controllers: [UsersController],
  providers: [UserDirectory],
})
export class UsersModule {}
