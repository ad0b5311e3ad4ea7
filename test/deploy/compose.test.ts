import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseConfig } from '../../src/app/config.ts';
import { parseEsdbConnectionString } from '../../src/eventstore/esdb-connection.ts';

const root = new URL('../../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8');

const healthcheckSchema = z.object({
  test: z.array(z.string()),
  interval: z.string(),
  retries: z.number().int().positive(),
});

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.string().optional(),
  environment: z.record(z.string(), z.string()),
  ports: z.array(z.string()),
  volumes: z.array(z.string()).optional(),
  healthcheck: healthcheckSchema.optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  restart: z.string().optional(),
});

const composeSchema = z.object({
  services: z.object({ eventstore: serviceSchema, vigil: serviceSchema }),
  volumes: z.record(z.string(), z.unknown()),
});

const compose = composeSchema.parse(parse(read('docker-compose.yml')));
const { eventstore, vigil } = compose.services;

/** What Compose hands the container when the variables `${NAME:-default}` names are unset. */
function interpolateUnset(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
    ]),
  );
}

/** `host:published:container` port mappings. */
function portMappings(service: z.infer<typeof serviceSchema>) {
  return service.ports.map((mapping) => {
    const [host = '', published = '', container = ''] = mapping.split(':');
    return { host, published: Number(published), container: Number(container) };
  });
}

describe('docker-compose.yml', () => {
  it('runs a pinned EventStoreDB release, never a moving tag', () => {
    expect(eventstore.image).toMatch(/^eventstore\/eventstore:\d+\.\d+\.\d+(-[a-z-]+)?$/);
  });

  it('runs EventStoreDB as one insecure development node', () => {
    expect(eventstore.environment).toMatchObject({
      EVENTSTORE_CLUSTER_SIZE: '1',
      EVENTSTORE_INSECURE: 'true',
    });
  });

  it('checks EventStoreDB health on /health/live', () => {
    const check = eventstore.healthcheck;
    expect(check?.test[0]).toBe('CMD');
    expect(check?.test.join(' ')).toContain('http://localhost:2113/health/live');
    expect(check?.retries).toBeGreaterThan(1);
  });

  it('keeps the EventStoreDB data in a named volume', () => {
    expect(eventstore.volumes).toContain('eventstore-data:/var/lib/eventstore');
    expect(Object.keys(compose.volumes)).toContain('eventstore-data');
  });

  it('starts Vigil only once EventStoreDB is healthy', () => {
    expect(vigil.depends_on).toEqual({ eventstore: { condition: 'service_healthy' } });
  });

  it('builds Vigil from this repository and publishes port 7070 on loopback only', () => {
    expect(vigil.build).toBe('.');
    expect(portMappings(vigil)).toEqual([{ host: '127.0.0.1', published: 7070, container: 7070 }]);
    expect(vigil.environment.VIGIL_PORT).toBe('7070');
  });

  it('points Vigil at the EventStoreDB service with a connection string the adapter accepts', () => {
    const settings = parseEsdbConnectionString(vigil.environment.VIGIL_STORE ?? '');

    expect(settings.clientConnectionString).toBe('esdb://eventstore:2113?tls=false');
    expect(portMappings(eventstore).map((port) => port.container)).toContain(2113);
  });

  it('gives Vigil a configuration the server accepts, listening on all container interfaces', () => {
    const environment = interpolateUnset(vigil.environment);

    const parsed = parseConfig(environment);

    expect(parsed).toMatchObject({
      ok: true,
      config: { host: '0.0.0.0', port: 7070, allowInsecure: true },
    });
  });

  it('also accepts tokens from the environment instead of serving openly', () => {
    const environment = interpolateUnset(vigil.environment);
    const withTokens = {
      ...environment,
      VIGIL_OPERATOR_TOKEN: 'operator-token-0123456789',
      VIGIL_WORKER_TOKEN: 'worker-token-0123456789',
    };

    expect(vigil.environment.VIGIL_OPERATOR_TOKEN).toBe('${VIGIL_OPERATOR_TOKEN:-}');
    expect(parseConfig(withTokens)).toMatchObject({
      ok: true,
      config: { operatorToken: 'operator-token-0123456789' },
    });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+\s/.test(line));
  const stages = instructions.filter((line) => line.startsWith('FROM '));
  const lastStage = instructions.slice(instructions.lastIndexOf(stages.at(-1) ?? ''));

  it('builds in several stages, all on Node 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.every((line) => /^FROM node:20[-.\w]* AS \w+$/.test(line))).toBe(true);
  });

  it('installs production dependencies only, from the lockfile', () => {
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it('runs npm start as an unprivileged user on port 7070', () => {
    const user = lastStage.filter((line) => line.startsWith('USER '));
    expect(user).toEqual(['USER node']);
    expect(lastStage).toContain('EXPOSE 7070');
    expect(lastStage.at(-1)).toBe('CMD ["npm", "start"]');
  });

  it('copies what npm start needs, and .dockerignore keeps the rest out', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));

    expect(lastStage).toEqual(expect.arrayContaining(['COPY src ./src', 'COPY bin ./bin']));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'data', '.env']));
    expect(ignored.some((pattern) => ['src', 'bin'].includes(pattern))).toBe(false);
    expect(ignored.some((pattern) => /^(package|tsconfig)/.test(pattern))).toBe(false);
  });
});
