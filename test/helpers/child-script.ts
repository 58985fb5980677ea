import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './cli';

/**
 * Bundles a TypeScript script for a child process (a second qb-bridge process in cross-process tests) and
 * returns the path to run with `node`. Packages stay external, so the child loads the same native modules.
 */
export async function bundleChildScript(entry: string): Promise<string> {
  const outfile = path.join(
    repoRoot,
    'node_modules/.cache/qb-bridge-tests',
    `${path.basename(entry).replace(/\.ts$/, '')}.mjs`,
  );
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}
