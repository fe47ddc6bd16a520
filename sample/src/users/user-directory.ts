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
  private readonly names = new Map<number, string>();
  /** How many profiles the directory has loaded, to show what the cache saves. */
  loads = 0;

  /** Loads a user's profile, slowly. */
  async loadProfile(id: number): Promise<UserProfile> {
    await sleep(100);
    this.loads++;
    const displayName = this.names.get(id) ?? `User ${id}`;
    return { id, displayName, loadedAt: new Date().toISOString() };
  }

  /** Changes a user's display name. */
  async rename(id: number, displayName: string): Promise<void> {
    this.names.set(id, displayName);
  }
}
