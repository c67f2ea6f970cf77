import { runCli } from './main.js';
import { processIO } from './io.js';

// Entry point for `npm run burnwatch`, `npm run demo` and the `burnwatch` bin.
runCli(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`burnwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
