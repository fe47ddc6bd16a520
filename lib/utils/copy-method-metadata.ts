/**
 * Gives a method wrapper the original method's name and metadata (`reflect-metadata` keys such
 * as Nest's route path and HTTP method, guards, Swagger operations), so that the decorators
 * applied before a wrapping decorator (`@WithLock`, `@RateLimit`) keep working.
 */
export function copyMethodMetadata(from: object, to: object): void {
  Object.defineProperty(to, 'name', { value: (from as { name: string }).name });
  for (const key of Reflect.getOwnMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, from), to);
  }
}
