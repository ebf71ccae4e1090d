import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { eventStoreContract } from './event-store-contract.ts';

eventStoreContract('in-memory fake', async () => ({ store: createInMemoryEventStore() }), { gapFree: true, multiConnection: false });
