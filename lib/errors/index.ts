export { CacheXError } from './cachex.error.js';
export { CacheXConfigError } from './config.error.js';
export { CacheXConnectionError } from './connection.error.js';
export { InvalidArgumentError } from './invalid-argument.error.js';
export { KeyNotFoundError } from './key-not-found.error.js';
export { NotSupportedError } from './not-supported.error.js';
export { SerializationError } from './serialization.error.js';
export { WrongTypeError } from './wrong-type.error.js';
