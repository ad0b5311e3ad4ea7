import { runServerProcess } from './http/serve.ts';

process.exit(await runServerProcess(process.env, process.stderr));
