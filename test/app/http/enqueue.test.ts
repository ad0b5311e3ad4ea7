import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rolloutViewSchema } from '../../../src/app/client/views.ts';
import { errorOf, startTestServer, type TestServer } from './server-harness.ts';

describe('HTTP enqueue', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  describe('POST /rollouts', () => {
    it('creates a rollout with 201, and answers an identical repeat with 200 and its state', async () => {
      const created = await server.post('/rollouts', { rolloutId: 'r1', input: { n: 1 } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ rolloutId: 'r1', status: 'queuing' });

      const repeated = await server.post('/rollouts', {
        rolloutId: 'r1',
        input: { n: 1 },
        maxAttempts: 3,
      });
      expect(repeated.status).toBe(200);
      expect(rolloutViewSchema.parse(repeated.body)).toMatchObject({
        rolloutId: 'r1',
        status: 'queuing',
        maxAttempts: 3,
        input: { n: 1 },
        attempts: [],
      });
    });

    it('refuses the same rollout id with another body as 409 rollout_conflict', async () => {
      await server.post('/rollouts', { rolloutId: 'r1', input: { n: 1 } });
      const answer = await server.post('/rollouts', { rolloutId: 'r1', input: { n: 2 } });
      expect(answer.status).toBe(409);
      expect(errorOf(answer).code).toBe('rollout_conflict');
    });

    it('generates a rollout id when none is given, also for a request without a body', async () => {
      const withBody = await server.post('/rollouts', { input: 'x' });
      const withoutBody = await server.request('POST', '/rollouts');
      expect(withBody.status).toBe(201);
      expect(withoutBody.status).toBe(201);
      expect(withBody.body).toMatchObject({ rolloutId: expect.any(String), status: 'queuing' });
      expect(withBody.body).not.toEqual(withoutBody.body);
    });

    it('lists every problem of an invalid body in details, unknown fields included', async () => {
      const answer = await server.post('/rollouts', {
        rolloutId: 'bad id!',
        maxAttempts: 0,
        heartbeatTimeoutMs: 99,
        priority: 5,
      });
      expect(answer.status).toBe(400);
      const error = errorOf(answer);
      expect(error.code).toBe('invalid_request');
      expect(error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: 'body', path: 'rolloutId' }),
          expect.objectContaining({ in: 'body', path: 'maxAttempts' }),
          expect.objectContaining({ in: 'body', path: 'heartbeatTimeoutMs' }),
          { in: 'body', path: 'priority', message: 'unknown field' },
        ]),
      );
    });

    it.each([
      ['an id of 129 characters', { rolloutId: 'r'.repeat(129) }],
      ['an empty id', { rolloutId: '' }],
      ['maxAttempts above 100', { maxAttempts: 101 }],
      ['a fractional maxAttempts', { maxAttempts: 2.5 }],
      ['heartbeatTimeoutMs above a day', { heartbeatTimeoutMs: 86_400_001 }],
      ['a body that is not an object', [1, 2]],
    ])('rejects %s as 400 invalid_request', async (_case, body) => {
      const answer = await server.post('/rollouts', body);
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('invalid_request');
    });

    it('accepts an id of 128 characters from the whole allowed alphabet', async () => {
      const rolloutId = 'Az09._:-'.repeat(16);
      const answer = await server.post('/rollouts', { rolloutId });
      expect(answer.status).toBe(201);
    });

    it('refuses an input over 64 KiB as 413 input_too_large, and appends nothing', async () => {
      const answer = await server.post('/rollouts', {
        rolloutId: 'big',
        input: 'x'.repeat(70_000),
      });
      expect(answer.status).toBe(413);
      expect(errorOf(answer).code).toBe('input_too_large');
      expect((await server.get('/rollouts/big')).status).toBe(404);
    });

    it('refuses a body over 512 KiB as 413 body_too_large', async () => {
      const answer = await server.post('/rollouts', { input: 'x'.repeat(600 * 1024) });
      expect(answer.status).toBe(413);
      expect(errorOf(answer).code).toBe('body_too_large');
    });

    it('answers malformed JSON with 400 invalid_json and another media type with 415', async () => {
      const malformed = await server.request('POST', '/rollouts', {
        rawBody: '{"rolloutId":',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(errorOf(malformed).code).toBe('invalid_json');

      const text = await server.request('POST', '/rollouts', {
        rawBody: 'rolloutId=r1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(text.status).toBe(415);
      expect(errorOf(text).code).toBe('unsupported_media_type');
    });

    it('rejects query parameters on a command', async () => {
      const answer = await server.request('POST', '/rollouts?dryRun=1', { body: {} });
      expect(answer.status).toBe(400);
      expect(errorOf(answer).details).toEqual([
        { in: 'query', path: 'dryRun', message: 'unknown query parameter' },
      ]);
    });
  });
});
