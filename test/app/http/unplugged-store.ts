import { StoreUnavailableError, type EventStore } from '../../../src/eventstore/port.ts';

/** A real store whose reads and writes can be made to fail as an unreachable store's do. */
export interface UnpluggableStore extends EventStore {
  unplug(): void;
  plugIn(): void;
}

export function unpluggable(store: EventStore): UnpluggableStore {
  let unplugged = false;
  const guard = <T>(run: () => Promise<T>): Promise<T> =>
    unplugged ? Promise.reject(new StoreUnavailableError('connection refused')) : run();

  return {
    name: store.name,
    append: (stream, events, options) => guard(() => store.append(stream, events, options)),
    read: (stream, options) => guard(() => store.read(stream, options)),
    readAll: (options) => guard(() => store.readAll(options)),
    headPosition: () => guard(() => store.headPosition()),
    subscribeToAll: (options) => store.subscribeToAll(options),
    subscribeToStream: (stream, options) => store.subscribeToStream(stream, options),
    setStreamMaxCount: (stream, maxCount) => guard(() => store.setStreamMaxCount(stream, maxCount)),
    close: () => store.close(),
    unplug: () => {
      unplugged = true;
    },
    plugIn: () => {
      unplugged = false;
    },
  };
}
