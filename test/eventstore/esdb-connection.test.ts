import { EventStoreDBClient } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  parseEsdbConnectionString,
  reconnectDelayMs,
  redactConnectionString,
} from '../../src/eventstore/esdb-connection.ts';

describe('EventStoreDB connection strings', () => {
  it('pass an esdb:// string to the client unchanged', () => {
    expect(parseEsdbConnectionString('esdb://localhost:2113?tls=false')).toEqual({
      clientConnectionString: 'esdb://localhost:2113?tls=false',
      streamPrefix: '',
      displayName: 'esdb://localhost:2113?tls=false',
    });
  });

  it('rewrite kurrentdb:// and kurrentdb+discover:// to the schemes the client knows', () => {
    expect(parseEsdbConnectionString('kurrentdb://db:2113?tls=false').clientConnectionString).toBe(
      'esdb://db:2113?tls=false',
    );
    expect(
      parseEsdbConnectionString('kurrentdb+discover://admin:changeit@cluster.internal:2113')
        .clientConnectionString,
    ).toBe('esdb+discover://admin:changeit@cluster.internal:2113');
  });

  it('accept several gossip seeds and the client options, in any case', () => {
    const settings = parseEsdbConnectionString(
      'esdb://a:2113,b:2113,c?tls=true&NodePreference=leader&keep_alive_interval=10000',
    );
    expect(settings.clientConnectionString).toBe(
      'esdb://a:2113,b:2113,c?tls=true&NodePreference=leader&keep_alive_interval=10000',
    );
  });

  it('take streamPrefix for Vigil and keep it from the client', () => {
    const settings = parseEsdbConnectionString('esdb://db:2113?tls=false&streamPrefix=blue.');
    expect(settings.streamPrefix).toBe('blue.');
    expect(settings.clientConnectionString).toBe('esdb://db:2113?tls=false');
    expect(parseEsdbConnectionString('esdb://db?streamPrefix=x-').clientConnectionString).toBe(
      'esdb://db',
    );
  });

  it('produce strings the client itself accepts', () => {
    for (const spec of [
      'kurrentdb://localhost:2113?tls=false&streamPrefix=t-',
      'esdb+discover://admin:changeit@cluster.internal:2113?nodePreference=follower',
      'esdb://a:2113,b:2114?tls=false&defaultDeadline=5000',
    ]) {
      const { clientConnectionString } = parseEsdbConnectionString(spec);
      expect(() => EventStoreDBClient.connectionString(clientConnectionString)).not.toThrow();
    }
  });

  it('mask the password wherever the string is shown', () => {
    const settings = parseEsdbConnectionString('esdb://admin:s3cret@db:2113');
    expect(settings.displayName).toBe('esdb://admin:***@db:2113');
    expect(redactConnectionString('kurrentdb+discover://ops:p%40ss@db')).toBe(
      'kurrentdb+discover://ops:***@db',
    );
    expect(redactConnectionString('esdb://db:2113?tls=false')).toBe('esdb://db:2113?tls=false');
  });

  it.each([
    ['http://db:2113', /must start with esdb:\/\/, esdb\+discover:\/\/, kurrentdb:\/\//],
    ['esdb://', /names no host/],
    ['esdb://?tls=false', /names no host/],
    ['esdb://db:port', /"db:port" is not a host\[:port\]/],
    ['esdb://db:70000', /port 70000 of "db:70000" is out of range/],
    ['esdb://db:2113?tsl=false', /unknown option "tsl"; known: connectionName/],
    ['esdb://db:2113?tls', /option "tls" is not key=value/],
    ['esdb://db:2113?throwOnAppendFailure=false', /throwOnAppendFailure cannot be set/],
    ['esdb://db:2113?streamPrefix=$blue', /streamPrefix must be 1-64 characters/],
    ['esdb://db:2113?streamPrefix=a/b', /streamPrefix must be 1-64 characters/],
  ])('refuse %s with a message that says why', (spec, why) => {
    expect(() => parseEsdbConnectionString(spec)).toThrow(why);
  });

  it('never repeat the password in an error', () => {
    expect(() => parseEsdbConnectionString('esdb://admin:s3cret@db:2113?bogus=1')).toThrow(
      /"esdb:\/\/admin:\*\*\*@db:2113\?bogus=1": unknown option/,
    );
  });
});

describe('resubscription delay', () => {
  it('doubles from 100 ms after each failure in a row and stops growing at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(reconnectDelayMs)).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000,
    ]);
    expect(reconnectDelayMs(50)).toBe(5000);
  });
});
