import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

export interface UserProfile {
  id: number;
  displayName: string;
  /** When the directory produced this copy: stays the same while it is served from the cache. */
  loadedAt: string;
}

/** A stand-in for a slow user service. */
@Injectable()
export class UserDirectory {
  /** Loads a user's profile, slowly. */
  async loadProfile(id: number): Promise<UserProfile> {
    await sleep(100);
    return { id, displayName: `User ${id}`, loadedAt: new Date().toISOString() };
  }
}
