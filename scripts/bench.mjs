// Runs every bench/*.ts (or those named on the command line): each is bundled with esbuild, its exported
// `run()` is awaited, and every result row is printed as one JSON line on stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-bridge-bench-'));
let failed = 0;
for (const file of files) {
  const outfile = path.join(outDir, file.replace(/\.ts$/, '.mjs'));
  await esbuild.build({
    entryPoints: [path.join(root, 'bench', file)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    // Bundled output lives in a temp dir; let bare imports resolve from the project.
    nodePaths: [path.join(root, 'node_modules')],
  });
  // Bare imports in the bundle must resolve from the project's node_modules.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  try {
    const mod = await import(pathToFileURL(outfile).href);
    const rows = await mod.run();
    for (const row of rows) console.log(JSON.stringify({ bench: file.replace(/\.ts$/, ''), ...row }));
  } catch (error) {
    failed += 1;
    console.log(JSON.stringify({ bench: file.replace(/\.ts$/, ''), error: String(error?.stack ?? error) }));
  } finally {
    fs.rmSync(path.join(outDir, 'node_modules'));
  }
}
fs.rmSync(outDir, { recursive: true, force: true });
process.exitCode = failed > 0 ? 1 : 0;
