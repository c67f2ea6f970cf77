import { processIO } from './io.js';
import { runCli } from './main.js';

// Entry point for `npm run burnwatch`, `npm run demo` and the `burnwatch` bin.
// The CLI runs on the developer's Node (20+); the SDK's notice about its future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
runCli(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`burnwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
