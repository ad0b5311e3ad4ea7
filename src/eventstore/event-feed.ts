import { Observable } from 'rxjs';
import { StoreUnavailableError, type StoredEvent } from './port.ts';

/**
 * Returns the stored events that follow `after` (a position or a revision, exclusive), at most
 * `limit` of them, in order. Synchronous, so one delivery turn reads one consistent snapshot.
 */
export type PageReader = (after: number, limit: number) => StoredEvent[];

/** What a subscription follows: the whole log, or one stream. */
export type FeedScope = { kind: 'all' } | { kind: 'stream'; stream: string };

/** Fans appends out to subscriptions that catch up and then follow the log. */
export interface FeedHub {
  /** An Observable of the events after `after`, read page by page through `readPage`. */
  follow(
    scope: FeedScope,
    readPage: PageReader,
    cursorOf: (event: StoredEvent) => number,
    after: number,
  ): Observable<StoredEvent>;
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
export function createFeedHub(storeName: string): FeedHub {
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

  return {
    follow(scope, readPage, cursorOf, after) {
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
