export * from './port.ts';
export { createMemoryStore } from './memory.ts';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite.ts';
export { StoreFileRefusedError, type SqliteSync } from './sqlite-schema.ts';
export { openStore } from './open-store.ts';
