import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../src/app/engine-api.ts';
import { errorOf, startTestServer, type TestServer } from '../app/http/server-harness.ts';
import { documentedLimits } from './api-oracle.ts';

const json = { 'content-type': 'application/json' };

/** A JSON string value whose encoding (quotes included) takes exactly `bytes` bytes. */
const stringOfJsonBytes = (bytes: number): string => 'x'.repeat(bytes - 2);

/** `text` padded with trailing whitespace (still the same JSON) to exactly `bytes` bytes. */
const padded = (text: string, bytes: number): string => text + ' '.repeat(bytes - text.length);

/** Every printable ASCII character outside the id alphabet, and a few beyond ASCII. */
const foreignCharacters = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter(
    (char) => !/[A-Za-z0-9._:-]/.test(char),
  ),
  'é',
  '\u0000',
  '\u2028',
  'ｒ',
];

describe('documented limits, each refused with its own status and code, appending nothing', () => {
  let server: TestServer;
  let claim: ClaimResult;
  let completePath: string;
  beforeAll(async () => {
    server = await startTestServer();
    await server.post('/rollouts', { rolloutId: 'r1' });
    claim = await server.claim('w1');
    completePath = `/rollouts/r1/attempts/${claim.attemptId}/complete`;
  });
  afterAll(() => server.close());

  /** Sends a request and answers its status, code and whether the store's position moved. */
  async function refusal(send: () => ReturnType<TestServer['request']>) {
    const before = await server.engine.store.headPosition();
    const answer = await send();
    const appended = (await server.engine.store.headPosition()) !== before;
    const code = answer.status >= 400 ? errorOf(answer).code : undefined;
    return { status: answer.status, code, appended, details: answer.body };
  }

  const refused = (status: number, code: string) => ({ status, code, appended: false });

  /** The limit codes of the problems in a 400's `details`. */
  const problemCodes = (body: unknown): unknown[] => {
    const details = (body as { error?: { details?: { code?: unknown }[] } }).error?.details ?? [];
    return [...new Set(details.map((problem) => problem.code))];
  };

  it('takes a body of 512 KiB, and refuses one byte more on every command as 413 body_too_large', async () => {
    const heartbeat = '{"activeAttempts":[]}';
    const atLimit = await server.request('POST', '/workers/w1/heartbeat', {
      rawBody: padded(heartbeat, documentedLimits.bodyBytes),
      headers: json,
    });
    expect(atLimit.status).toBe(200);

    for (const path of ['/rollouts', '/workers/w1/claim', '/workers/w1/heartbeat', completePath]) {
      const answer = await refusal(() =>
        server.request('POST', path, {
          rawBody: padded('{}', documentedLimits.bodyBytes + 1),
          headers: json,
        }),
      );
      expect(answer, path).toMatchObject(refused(413, 'body_too_large'));
    }
  });

  it('takes an input of 64 KiB of JSON, and refuses one byte more as 413 input_too_large', async () => {
    const input = stringOfJsonBytes(documentedLimits.payloadBytes);
    expect((await server.post('/rollouts', { rolloutId: 'big-input', input })).status).toBe(201);

    const over = await refusal(() =>
      server.post('/rollouts', { rolloutId: 'too-big', input: `${input}x` }),
    );
    expect(over).toMatchObject(refused(413, 'input_too_large'));
  });

  it('refuses an output one byte over 64 KiB as 413 output_too_large, then takes one of 64 KiB', async () => {
    const output = stringOfJsonBytes(documentedLimits.payloadBytes);
    const over = await refusal(() =>
      server.post(completePath, { workerId: 'w1', status: 'succeeded', output: `${output}x` }),
    );
    expect(over).toMatchObject(refused(413, 'output_too_large'));

    const atLimit = await server.post(completePath, {
      workerId: 'w1',
      status: 'succeeded',
      output,
    });
    expect(atLimit.status).toBe(200);
  });

  it('takes a heartbeat naming 1,000 attempts, and refuses 1,001 as 400 invalid_request (too_many_attempts)', async () => {
    const refs = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ rolloutId: 'r1', attemptId: `a${i}` }));
    const atLimit = await server.post('/workers/w2/heartbeat', { activeAttempts: refs(1000) });
    expect(atLimit.status).toBe(200);

    const over = await refusal(() =>
      server.post('/workers/w3/heartbeat', { activeAttempts: refs(1001) }),
    );
    expect(over).toMatchObject(refused(400, 'invalid_request'));
    expect(JSON.stringify(over.details)).toContain('"path":"activeAttempts"');
    expect(problemCodes(over.details)).toEqual(['too_many_attempts']);
  });

  it('takes an error message of 8,192 characters, and refuses one more as 400 invalid_request (error_too_long)', async () => {
    const over = await refusal(() =>
      server.post(completePath, { workerId: 'w1', status: 'failed', error: 'e'.repeat(8193) }),
    );
    expect(over).toMatchObject(refused(400, 'invalid_request'));
    expect(problemCodes(over.details)).toEqual(['error_too_long']);
  });

  const inPath = encodeURIComponent;
  const idPlaces: [string, (id: string) => () => ReturnType<TestServer['request']>][] = [
    ['the path of GET /rollouts/:rolloutId', (id) => () => server.get(`/rollouts/${inPath(id)}`)],
    ['the path of a claim', (id) => () => server.post(`/workers/${inPath(id)}/claim`)],
    ['the rolloutId of an enqueue', (id) => () => server.post('/rollouts', { rolloutId: id })],
    [
      'an attempt named in a heartbeat',
      (id) => () =>
        server.post('/workers/w1/heartbeat', {
          activeAttempts: [{ rolloutId: id, attemptId: id }],
        }),
    ],
    [
      'the workerId of a completion',
      (id) => () => server.post(completePath, { workerId: id, status: 'failed' }),
    ],
    [
      'the workerId filter of GET /attempts',
      (id) => () => server.get(`/attempts?workerId=${inPath(id)}`),
    ],
  ];

  it.each(idPlaces)(
    'takes an id of 128 characters in %s, and refuses 129 as 400 invalid_request (id_too_long)',
    async (_place, send) => {
      const longest = 'Az09._:-'.repeat(16);
      const atLimit = await refusal(send(longest));
      expect([200, 201, 204, 404, 409]).toContain(atLimit.status);

      const over = await refusal(send(`${longest}x`));
      expect(over).toMatchObject(refused(400, 'invalid_request'));
      expect(problemCodes(over.details)).toEqual(['id_too_long']);
    },
  );

  it.each(idPlaces)(
    'refuses an id with any character outside A-Z a-z 0-9 . _ : - in %s as id_invalid_characters, so no id can leave its stream name',
    async (_place, send) => {
      for (const char of foreignCharacters) {
        const answer = await refusal(send(`id${char}x`));
        expect(answer, JSON.stringify(char)).toMatchObject(refused(400, 'invalid_request'));
        expect(problemCodes(answer.details), JSON.stringify(char)).toEqual([
          'id_invalid_characters',
        ]);
      }
    },
  );
});
