import { runCli } from './cli/program';
import { createRuntime } from './cli/runtime';

const runtime = createRuntime();
const code = await runCli(process.argv.slice(2), runtime);
// serve and demo keep running until a signal; every other command closes the store and exits with its code.
if (!runtime.keepAlive || code !== 0) {
  runtime.close();
  process.exit(code);
}
