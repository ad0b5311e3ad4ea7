export * from './commands.ts';
export * from './decision.ts';
export * from './events.ts';
export * from './ids.ts';
export * from './json.ts';
export * from './rejection.ts';
export * from './rollout.ts';
export * from './worker.ts';
