import { MemoryCounterStore } from './memory-counter-store.ts';
import { counterStoreConformance } from './testing/counter-store-conformance.ts';

const store = new MemoryCounterStore();
counterStoreConformance('in-memory', () => store);
