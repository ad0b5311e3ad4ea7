import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../src/eventstore/memory.ts';
import { errorOf, startTestServer, type TestServer } from './server-harness.ts';
import { unpluggable, type UnpluggableStore } from './unplugged-store.ts';

describe('when the store cannot be reached', () => {
  let store: UnpluggableStore;
  let server: TestServer;
  beforeEach(async () => {
    store = unpluggable(createMemoryStore());
    server = await startTestServer({}, store);
  });
  afterEach(() => server.close());

  it('answers commands with 503 store_unavailable and appends nothing', async () => {
    store.unplug();
    const answer = await server.post('/rollouts', { rolloutId: 'r1' });
    expect(answer.status).toBe(503);
    expect(errorOf(answer).code).toBe('store_unavailable');

    store.plugIn();
    expect((await server.get('/rollouts/r1')).status).toBe(404);
    expect((await server.post('/rollouts', { rolloutId: 'r1' })).status).toBe(201);
  });

  it('answers GET /health with 503 store_unavailable', async () => {
    store.unplug();
    const answer = await server.get('/health');
    expect(answer.status).toBe(503);
    expect(errorOf(answer).code).toBe('store_unavailable');
  });
});
