#!/usr/bin/env node
// The operator CLI: registers tsx so the TypeScript sources run as they are, then hands over.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/app/cli/main.ts');
process.exit(
  await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  }),
);
