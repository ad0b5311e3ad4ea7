import { createMemoryStore } from '../../src/eventstore/memory.ts';
import { runConformanceSuite } from './conformance.ts';
import { runLocalStoreSuite } from './local-store-suite.ts';

async function openMemoryStore() {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
}

runConformanceSuite('memory', openMemoryStore);
runLocalStoreSuite('memory', openMemoryStore);
