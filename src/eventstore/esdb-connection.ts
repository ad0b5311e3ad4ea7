import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { toStoreError } from './esdb-mapping.ts';
import { StoreUnavailableError } from './port.ts';

/** Where and how to reach EventStoreDB, from a `VIGIL_STORE` connection string. */
export interface EsdbConnectionSettings {
  /** What `@eventstore/db-client` is given: `esdb://` or `esdb+discover://`, Vigil's options removed. */
  clientConnectionString: string;
  /** Prepended to every stream name Vigil uses, so several deployments can share one server. */
  streamPrefix: string;
  /** The connection string as the operator wrote it, with any password masked. */
  displayName: string;
}

// KurrentDB is EventStoreDB renamed; version 6 of the client only knows the old scheme names.
const SCHEMES: Readonly<Record<string, string>> = {
  'esdb://': 'esdb://',
  'esdb+discover://': 'esdb+discover://',
  'kurrentdb://': 'esdb://',
  'kurrentdb+discover://': 'esdb+discover://',
};

// The options `@eventstore/db-client` 6 understands. It only warns about others, so a typo such
// as `tsl=false` would silently change how it connects: Vigil refuses them instead.
const CLIENT_OPTIONS = [
  'connectionName',
  'defaultDeadline',
  'discoveryInterval',
  'gossipTimeout',
  'keepAliveInterval',
  'keepAliveTimeout',
  'maxDiscoverAttempts',
  'nodePreference',
  'tls',
  'tlsCAFile',
  'tlsVerifyCert',
  'userCertFile',
  'userKeyFile',
];

/** Vigil's own option; it never reaches the client. */
const STREAM_PREFIX_OPTION = 'streamPrefix';

const STREAM_PREFIX_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

// The client compares option names ignoring case, `-` and `_`; so does Vigil.
const flatCase = (key: string): string => key.trim().toLowerCase().replace(/[_-]/g, '');

/** Masks the password of `user:password@` in a connection string, for logs and `/health`. */
export function redactConnectionString(connectionString: string): string {
  return connectionString.replace(/^([a-z+]+:\/\/[^:/@]+):[^@]*@/i, '$1:***@');
}

function invalid(connectionString: string, why: string): Error {
  const shown = JSON.stringify(redactConnectionString(connectionString));
  return new Error(`invalid EventStoreDB connection string ${shown}: ${why}`);
}

function splitScheme(connectionString: string): { clientScheme: string; rest: string } {
  for (const [scheme, clientScheme] of Object.entries(SCHEMES)) {
    if (connectionString.startsWith(scheme)) {
      return { clientScheme, rest: connectionString.slice(scheme.length) };
    }
  }
  throw invalid(connectionString, `it must start with ${Object.keys(SCHEMES).join(', ')}`);
}

function checkHosts(connectionString: string, authority: string): void {
  const hosts = authority.slice(authority.lastIndexOf('@') + 1).replace(/\/+$/, '');
  if (hosts.length === 0) throw invalid(connectionString, 'it names no host');

  for (const host of hosts.split(',')) {
    const match = /^([^\s:/$+!?*'(),;[\]{}|"%~#<>=&]+)(?::(\d+))?$/.exec(host);
    if (!match) throw invalid(connectionString, `${JSON.stringify(host)} is not a host[:port]`);
    const port = match[2] === undefined ? 2113 : Number(match[2]);
    if (port < 1 || port > 65535) {
      throw invalid(
        connectionString,
        `port ${match[2]} of ${JSON.stringify(host)} is out of range`,
      );
    }
  }
}

function checkOptions(
  connectionString: string,
  query: string,
): { clientQuery: string; prefix: string } {
  const known = new Map(CLIENT_OPTIONS.map((option) => [flatCase(option), option]));
  const kept: string[] = [];
  let prefix = '';

  for (const pair of query.length === 0 ? [] : query.split('&')) {
    const [key = '', value = ''] = pair.split('=', 2);
    if (key.length === 0 || value.length === 0) {
      throw invalid(connectionString, `option ${JSON.stringify(pair)} is not key=value`);
    }
    if (flatCase(key) === flatCase(STREAM_PREFIX_OPTION)) {
      prefix = decodeURIComponent(value);
      if (!STREAM_PREFIX_PATTERN.test(prefix)) {
        throw invalid(
          connectionString,
          `${STREAM_PREFIX_OPTION} must be 1-64 characters from [A-Za-z0-9._:-]`,
        );
      }
      continue;
    }
    if (flatCase(key) === flatCase('throwOnAppendFailure')) {
      throw invalid(
        connectionString,
        'throwOnAppendFailure cannot be set: Vigil relies on the client throwing on a conflict',
      );
    }
    if (!known.has(flatCase(key))) {
      const accepted = [...CLIENT_OPTIONS, STREAM_PREFIX_OPTION].join(', ');
      throw invalid(connectionString, `unknown option ${JSON.stringify(key)}; known: ${accepted}`);
    }
    kept.push(pair);
  }
  return { clientQuery: kept.join('&'), prefix };
}

/**
 * Checks an `esdb://`, `esdb+discover://`, `kurrentdb://` or `kurrentdb+discover://`
 * connection string and turns it into what the client needs. Throws an Error naming the
 * problem (with any password masked) for a string the client would refuse or misread.
 */
export function parseEsdbConnectionString(connectionString: string): EsdbConnectionSettings {
  const trimmed = connectionString.trim();
  const { clientScheme, rest } = splitScheme(trimmed);

  const queryAt = rest.indexOf('?');
  const authority = queryAt === -1 ? rest : rest.slice(0, queryAt);
  checkHosts(trimmed, authority);

  const { clientQuery, prefix } = checkOptions(
    trimmed,
    queryAt === -1 ? '' : rest.slice(queryAt + 1),
  );
  return {
    clientConnectionString: `${clientScheme}${authority}${clientQuery ? `?${clientQuery}` : ''}`,
    streamPrefix: prefix,
    displayName: redactConnectionString(trimmed),
  };
}

/**
 * How long to wait before resubscribing after the `attempt`-th failure in a row (1-based):
 * doubling from 100 ms up to 5 s, so a restarting server is found quickly without being hammered.
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(5_000, 100 * 2 ** Math.max(0, attempt - 1));
}

function clientFor(settings: EsdbConnectionSettings): EventStoreDBClient {
  try {
    return EventStoreDBClient.connectionString(settings.clientConnectionString);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `invalid EventStoreDB connection string ${JSON.stringify(settings.displayName)}: ${reason}`,
      { cause: error },
    );
  }
}

/**
 * A client for the server `settings` name, once one read of the newest record in `$all` has
 * proved that the server answers, the tls option matches it and the credentials may read `$all`:
 * a misconfiguration stops start-up instead of failing the first command. Throws a
 * StoreUnavailableError that says what to check.
 */
export async function connectEsdb(settings: EsdbConnectionSettings): Promise<EventStoreDBClient> {
  const client = clientFor(settings);
  try {
    const newest = client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    for await (const _record of newest);
    return client;
  } catch (error) {
    await client.dispose();
    const mapped = toStoreError(error, `cannot use EventStoreDB at ${settings.displayName}`);
    const reason = mapped instanceof Error ? mapped.message : String(mapped);
    throw new StoreUnavailableError(
      `${reason}. Is the server running, and does the connection string's tls option match ` +
        'it (a server in insecure mode needs ?tls=false)?',
      { cause: error },
    );
  }
}
