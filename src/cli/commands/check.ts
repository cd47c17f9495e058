import type { CheckResult } from '../../../compiler/check.js';
import { NncError, formatDiagnostics, hasErrors } from '../../diagnostics.js';
import { formatCount, summarize } from '../../../compiler/summary.js';
import { type Command, EXIT_ERRORS, EXIT_OK } from '../command.js';
import { STDIN, STDIN_NAME, checkFile } from '../loadModel.js';

export const checkCommand: Command = {
  positionals: [{ name: 'FILE', description: 'a .nn file (several may be given)', arity: 'many' }],
  flags: [],
  async run({ positional, io }) {
    let failed = false;
    for (const file of positional) {
      const path = file === STDIN ? STDIN_NAME : file;
      let result: CheckResult;
      try {
        result = checkFile(file);
      } catch (e) {
        // An unreadable file is one more failure; the other files are still checked.
        if (!(e instanceof NncError)) throw e;
        io.stderr(formatDiagnostics(e.diagnostics) + '\n');
        failed = true;
        continue;
      }
      if (result.diagnostics.length > 0) io.stderr(formatDiagnostics(result.diagnostics) + '\n');
      if (hasErrors(result.diagnostics)) {
        const count = result.diagnostics.filter((d) => d.severity === 'error').length;
        io.stderr(`${path}: ${count} error${count > 1 ? 's' : ''}\n`);
        failed = true;
        continue;
      }
      const models = [...result.models.values()].map((g) => `${g.name} (${formatCount(summarize(g).totalParams)} params)`);
      io.stdout(`${path}: ok${models.length ? `, ${models.length === 1 ? 'model' : 'models'} ${models.join(', ')}` : ', no models'}\n`);
    }
    return failed ? EXIT_ERRORS : EXIT_OK;
  },
};
