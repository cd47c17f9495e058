// `node --import ./test/helpers/traceModules.mjs ...` with NNC_TRACE_MODULES=FILE: appends
// the URL of every ES module the process loads (a package's entry included, and `node:`
// builtins) to FILE, one a line. Plain JavaScript, so that it runs without a loader.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function load(url, context, next) {
        appendFileSync(process.env.NNC_TRACE_MODULES, url + '\\n');
        return next(url, context);
      }
    `),
);
