import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/app/cli/main.ts';
import { startTestServer, type TestServer } from '../http/server-harness.ts';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the vigil CLI, run in-process against a real server', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  async function vigil(
    args: string[],
    env: NodeJS.ProcessEnv = {},
    url: string | undefined = server.url,
  ): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(url === undefined ? args : [...args, '--url', url], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      now: () => server.engine.clock.now(),
    });
    return { code, stdout, stderr };
  }

  it('enqueue reports a new rollout, then an existing one', async () => {
    const input = '{"region":"eu"}';
    const created = await vigil(['enqueue', '--id', 'r1', '--input', input, '--max-attempts', '2']);
    expect(created).toEqual({ code: 0, stdout: 'enqueued r1 (queuing)\n', stderr: '' });

    const repeated = await vigil([
      'enqueue',
      '--id',
      'r1',
      '--input',
      input,
      '--max-attempts',
      '2',
    ]);
    expect(repeated.stdout).toBe('r1 was already enqueued (queuing)\n');
    expect(await server.engine.getRollout('r1')).toMatchObject({ input: { region: 'eu' } });
  });

  it('enqueue --json prints the API answer', async () => {
    const run = await vigil(['enqueue', '--id', 'r1', '--json']);
    expect(JSON.parse(run.stdout)).toEqual({ created: true, rolloutId: 'r1', status: 'queuing' });
  });

  it('enqueue explains a refusal by the server and exits 1', async () => {
    await vigil(['enqueue', '--id', 'r1']);
    const run = await vigil(['enqueue', '--id', 'r1', '--max-attempts', '5']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^vigil: rollout_conflict \(HTTP 409\): /);
  });

  it('workers shows an aligned table with relative times', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    const claim = await server.claim('w-busy');
    await server.post('/workers/w-idle/heartbeat', { activeAttempts: [] });
    await server.advance(12_000);

    const run = await vigil(['workers']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'WORKER  STATUS  LAST HEARTBEAT  ACTIVE ATTEMPTS',
        `w-busy  active  12s ago         r1/${claim.attemptId}`,
        'w-idle  idle    12s ago         -',
        '',
      ].join('\n'),
    );
  });

  it('attempts shows each attempt, filtered by --status, --worker and --rollout', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    await server.post('/rollouts', { rolloutId: 'r2' });
    const first = await server.claim('w1');
    await server.claim('w2');
    await server.advance(40_000);

    const all = await vigil(['attempts']);
    const header = ['ROLLOUT', 'ATTEMPT'.padEnd(first.attemptId.length), '#', 'WORKER']
      .concat(['STATUS'.padEnd('timeout (heartbeat)'.length), 'STARTED', 'LAST HEARTBEAT', 'ENDED'])
      .join('  ');
    expect(all.stdout.split('\n')[0]).toBe(header);
    expect(all.stdout).toContain(`r1       ${first.attemptId}  1  w1      timeout (heartbeat)`);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(3);

    const filtered = await vigil([
      'attempts',
      '--status',
      'timeout',
      '--worker',
      'w2',
      '--rollout',
      'r2',
    ]);
    expect(filtered.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(filtered.stdout).toContain('w2');
    expect((await vigil(['attempts', '--status', 'running'])).stdout).toBe('no attempts\n');
  });

  it('rollouts shows status and attempts used, filtered by --status, and pages with --limit', async () => {
    await server.post('/rollouts', { rolloutId: 'r1', maxAttempts: 2 });
    await server.post('/rollouts', { rolloutId: 'r2' });
    await server.claim('w1');

    const running = await vigil(['rollouts', '--status', 'running']);
    expect(running.stdout).toBe(
      [
        'ROLLOUT  STATUS   ATTEMPTS  LAST ACTIVITY  ERROR',
        'r1       running  1/2       just now',
        '',
      ].join('\n'),
    );

    const firstPage = await vigil(['rollouts', '--limit', '1']);
    expect(firstPage.stdout).toMatch(/\(more: --after \d+\)\n$/);
    const cursor = /--after (\d+)/.exec(firstPage.stdout)?.[1] ?? '';
    const secondPage = await vigil(['rollouts', '--limit', '1', '--after', cursor]);
    expect(secondPage.stdout).toContain('r2');
    expect(secondPage.stdout).not.toContain('more');
  });

  it('lists print the API page with --json', async () => {
    await server.post('/rollouts', { rolloutId: 'r1' });
    const run = await vigil(['rollouts', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({
      items: [{ rolloutId: 'r1', status: 'queuing' }],
    });
    expect(JSON.parse((await vigil(['workers', '--json'])).stdout)).toEqual({ items: [] });
  });

  it('explains a mistake on the command line and exits 2', async () => {
    const unknown = await vigil(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "deploy"');

    const badStatus = await vigil(['rollouts', '--status', 'done']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status must be one of queuing, running');

    const badInput = await vigil(['enqueue', '--input', '{oops']);
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain('--input must be JSON');

    const badFlag = await vigil(['workers', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--colour');
  });

  it('says the server cannot be reached and exits 1', async () => {
    const url = server.url;
    await server.close();
    const run = await vigil(['workers'], {}, url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the Vigil server at ${url}`);
    server = await startTestServer();
  });

  it('takes the URL from VIGIL_URL when --url is not given', async () => {
    const run = await vigil(['workers'], { VIGIL_URL: server.url }, undefined);
    expect(run).toEqual({ code: 0, stdout: 'no workers\n', stderr: '' });
  });
});

describe('the vigil CLI with tokens', () => {
  it('sends --token, or VIGIL_TOKEN, and explains a 401', async () => {
    const operatorToken = 'operator-token-0123456789';
    const server = await startTestServer({ operatorToken });
    const run = async (args: string[], env: NodeJS.ProcessEnv) => {
      let stderr = '';
      const code = await runCli([...args, '--url', server.url], {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
        env,
      });
      return { code, stderr };
    };
    try {
      expect(await run(['workers'], {})).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('unauthorized'),
      });
      expect((await run(['workers', '--token', operatorToken], {})).code).toBe(0);
      expect((await run(['workers'], { VIGIL_TOKEN: operatorToken })).code).toBe(0);
      expect((await run(['workers'], { VIGIL_OPERATOR_TOKEN: operatorToken })).code).toBe(0);
    } finally {
      await server.close();
    }
  });
});
