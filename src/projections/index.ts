export * from './read-models.ts';
export * from './runner.ts';
export * from './worker-status.ts';
