import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { finished, spawnTs } from '../http/child-process.ts';

/** A loopback port that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('bin/vigil.js as a process', () => {
  it('exits 1 with a clear message when the server cannot be reached', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await finished(spawnTs('bin/vigil.js', ['workers', '--url', url], {}));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`vigil: cannot reach the Vigil server at ${url}: ECONNREFUSED`);
    expect(result.stdout).toBe('');
  });
});
