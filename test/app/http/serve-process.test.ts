import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { finished, lineContaining, spawnTs } from './child-process.ts';

const listening = z.object({ msg: z.literal('vigil listening'), url: z.string() });

describe('npm start (src/app/main.ts) as a process', () => {
  it.each([
    ['VIGIL_PORT', 'seventy'],
    ['VIGIL_HEARTBEAT_TIMEOUT_MS', '0'],
    ['VIGIL_STORE', 'mongodb://db'],
    ['VIGIL_WORKER_TOKEN', 'worker-token-0123456789'],
  ])('exits with code 2 naming %s when it is %j', async (variable, value) => {
    const result = await finished(spawnTs('src/app/main.ts', [], { [variable]: value }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid configuration: ${variable}:`);
  });

  it('refuses to listen beyond loopback without tokens (exit 2 naming VIGIL_HOST)', async () => {
    const child = spawnTs('src/app/main.ts', [], { VIGIL_HOST: '0.0.0.0', VIGIL_STORE: 'memory:' });
    const result = await finished(child);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('VIGIL_HOST: 0.0.0.0 is not a loopback address');
  });

  it('listens beyond loopback with VIGIL_ALLOW_INSECURE=1, and exits 0 on SIGTERM', async () => {
    const child = spawnTs('src/app/main.ts', [], {
      VIGIL_HOST: '0.0.0.0',
      VIGIL_ALLOW_INSECURE: '1',
      VIGIL_PORT: '0',
      VIGIL_STORE: 'memory:',
    });
    const exit = finished(child);
    const { url } = listening.parse(JSON.parse(await lineContaining(child, 'vigil listening')));
    const port = new URL(url).port;

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);

    child.kill('SIGTERM');
    const result = await exit;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"msg":"vigil stopped"');
  });
});
