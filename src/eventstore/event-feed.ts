import { Observable } from 'rxjs';
import { StoreUnavailableError, type EventStore, type StoredEvent } from './port.ts';
import { subscriptionStartAfter, subscriptionStartRevision } from './store-input.ts';

/**
 * Returns the stored events that follow `after` (a position or a revision, exclusive), at most
 * `limit` of them, in order. Synchronous, so one delivery turn reads one consistent snapshot.
 */
export type PageReader = (after: number, limit: number) => StoredEvent[];

/** How a store reads its log and its streams, for its subscriptions. */
export interface FeedSource {
  /** Events with a position greater than `after`. */
  readLog: PageReader;
  /** Events of `stream` with a revision greater than `afterRevision`. */
  readStream(stream: string, afterRevision: number, limit: number): StoredEvent[];
}

type FeedScope = { kind: 'all' } | { kind: 'stream'; stream: string };

/** Fans appends out to subscriptions that catch up and then follow the log. */
export interface FeedHub extends Pick<EventStore, 'subscribeToAll' | 'subscribeToStream'> {
  /** Tells the subscriptions that see `stream` that it has new events. */
  notify(stream: string): void;
  /** Completes every subscription; later ones fail with StoreUnavailableError. */
  close(): void;
}

interface Follower {
  wake(): void;
  complete(): void;
}

// Large enough to amortise a query, small enough that a long catch-up yields to appends.
const PAGE_SIZE = 500;

/**
 * Creates a hub. A subscription never buffers live events: every delivery turn reads the log
 * after its own cursor, so the seam between catch-up and live has no gap and no duplicate, and
 * an append only schedules a turn, so a slow subscriber cannot hold an append up.
 */
export function createFeedHub(storeName: string, source: FeedSource): FeedHub {
  const allFollowers = new Set<Follower>();
  const streamFollowers = new Map<string, Set<Follower>>();
  let closed = false;

  function followersOf(scope: FeedScope): Set<Follower> {
    if (scope.kind === 'all') return allFollowers;
    let followers = streamFollowers.get(scope.stream);
    if (!followers) {
      followers = new Set();
      streamFollowers.set(scope.stream, followers);
    }
    return followers;
  }

  function forget(scope: FeedScope, follower: Follower): void {
    const followers = followersOf(scope);
    followers.delete(follower);
    if (scope.kind === 'stream' && followers.size === 0) streamFollowers.delete(scope.stream);
  }

  function follow(
    scope: FeedScope,
    readPage: PageReader,
    cursorOf: (event: StoredEvent) => number,
    after: number,
  ): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      if (closed) {
        subscriber.error(new StoreUnavailableError(`${storeName} is closed`));
        return undefined;
      }

      let cursor = after;
      let pending: NodeJS.Immediate | undefined;
      const deliver = (): void => {
        pending = undefined;
        if (subscriber.closed) return;
        let page: StoredEvent[];
        try {
          page = readPage(cursor, PAGE_SIZE);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        for (const event of page) {
          if (subscriber.closed) return;
          cursor = cursorOf(event);
          subscriber.next(event);
        }
        if (page.length === PAGE_SIZE) follower.wake();
      };
      const follower: Follower = {
        wake() {
          pending ??= setImmediate(deliver);
        },
        complete() {
          subscriber.complete();
        },
      };

      followersOf(scope).add(follower);
      follower.wake();
      return () => {
        if (pending) clearImmediate(pending);
        forget(scope, follower);
      };
    });
  }

  return {
    subscribeToAll(options = {}) {
      const after = subscriptionStartAfter(options.after);
      return follow({ kind: 'all' }, source.readLog, (event) => event.position, after);
    },

    subscribeToStream(stream, options = {}) {
      const after = subscriptionStartRevision(stream, options.fromRevision);
      const readPage: PageReader = (afterRevision, limit) =>
        source.readStream(stream, afterRevision, limit);
      return follow({ kind: 'stream', stream }, readPage, (event) => event.revision, after);
    },

    notify(stream) {
      for (const follower of allFollowers) follower.wake();
      for (const follower of streamFollowers.get(stream) ?? []) follower.wake();
    },

    close() {
      closed = true;
      const followers = [...allFollowers, ...[...streamFollowers.values()].flatMap((s) => [...s])];
      for (const follower of followers) follower.complete();
    },
  };
}
