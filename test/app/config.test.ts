import { describe, expect, it } from 'vitest';
import { describeConfigProblems, isLoopbackHost, parseConfig } from '../../src/app/config.ts';

const token = 'a-long-enough-token-123';

function problemsOf(environment: NodeJS.ProcessEnv) {
  const result = parseConfig(environment);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.problems;
}

describe('parseConfig', () => {
  it('fills the documented defaults from an empty environment', () => {
    expect(parseConfig({})).toEqual({
      ok: true,
      config: {
        host: '127.0.0.1',
        port: 7070,
        store: 'sqlite:data/vigil.db',
        heartbeatTimeoutMs: 30_000,
        tickIntervalMs: 1000,
        clock: 'system',
        operatorToken: undefined,
        workerToken: undefined,
        allowInsecure: false,
        logLevel: 'info',
      },
    });
  });

  it('reads every variable', () => {
    const result = parseConfig({
      VIGIL_HOST: '0.0.0.0',
      VIGIL_PORT: '8080',
      VIGIL_STORE: 'memory:',
      VIGIL_HEARTBEAT_TIMEOUT_MS: '1500',
      VIGIL_TICK_INTERVAL_MS: '250',
      VIGIL_CLOCK: 'manual',
      VIGIL_OPERATOR_TOKEN: token,
      VIGIL_WORKER_TOKEN: `${token}-worker`,
      VIGIL_LOG_LEVEL: 'debug',
    });
    expect(result).toMatchObject({
      ok: true,
      config: { host: '0.0.0.0', port: 8080, heartbeatTimeoutMs: 1500, clock: 'manual' },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ VIGIL_PORT: '', VIGIL_OPERATOR_TOKEN: '' })).toMatchObject({
      ok: true,
      config: { port: 7070, operatorToken: undefined },
    });
  });

  it.each([
    ['VIGIL_PORT', 'http'],
    ['VIGIL_PORT', '65536'],
    ['VIGIL_STORE', 'postgres://db'],
    ['VIGIL_STORE', 'sqlite:x.db?sync=sometimes'],
    ['VIGIL_STORE', 'esdb://localhost:2113?tsl=false'],
    ['VIGIL_HEARTBEAT_TIMEOUT_MS', '99'],
    ['VIGIL_HEARTBEAT_TIMEOUT_MS', '1e4'],
    ['VIGIL_TICK_INTERVAL_MS', '-5'],
    ['VIGIL_CLOCK', 'frozen'],
    ['VIGIL_OPERATOR_TOKEN', 'short'],
    ['VIGIL_ALLOW_INSECURE', 'yes'],
    ['VIGIL_LOG_LEVEL', 'loud'],
  ])('names %s when it is %j', (variable, value) => {
    expect(problemsOf({ [variable]: value })).toEqual([{ variable, message: expect.any(String) }]);
  });

  it('needs the operator token for a worker token, and a different one', () => {
    expect(problemsOf({ VIGIL_WORKER_TOKEN: token })).toEqual([
      { variable: 'VIGIL_WORKER_TOKEN', message: 'needs VIGIL_OPERATOR_TOKEN set too' },
    ]);
    expect(problemsOf({ VIGIL_WORKER_TOKEN: token, VIGIL_OPERATOR_TOKEN: token })).toEqual([
      { variable: 'VIGIL_WORKER_TOKEN', message: 'must differ from VIGIL_OPERATOR_TOKEN' },
    ]);
  });

  it('refuses a host beyond loopback without tokens unless VIGIL_ALLOW_INSECURE=1', () => {
    expect(problemsOf({ VIGIL_HOST: '0.0.0.0' })).toEqual([
      { variable: 'VIGIL_HOST', message: expect.stringContaining('not a loopback address') },
    ]);
    expect(parseConfig({ VIGIL_HOST: '0.0.0.0', VIGIL_ALLOW_INSECURE: '1' }).ok).toBe(true);
    expect(parseConfig({ VIGIL_HOST: '0.0.0.0', VIGIL_OPERATOR_TOKEN: token }).ok).toBe(true);
  });

  it('reports every bad variable at once, naming each in the message', () => {
    const environment = { VIGIL_PORT: 'x', VIGIL_CLOCK: 'y', VIGIL_OPERATOR_TOKEN: 'secret' };
    const message = describeConfigProblems(problemsOf(environment), environment);
    expect(message).toContain('VIGIL_PORT: must be a whole number from 0 to 65535 (got "x")');
    expect(message).toContain('VIGIL_CLOCK');
    expect(message).toContain('VIGIL_OPERATOR_TOKEN');
    expect(message).not.toContain('secret');
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])(
    'counts %s as loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each(['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'])(
    'counts %s as reachable from elsewhere',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});
