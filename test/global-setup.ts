import { execFileSync } from 'node:child_process';

/** CLI and add-on tests run the real build output, so build once before any suite. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'inherit' });
}
