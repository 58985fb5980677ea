// Builds the gateway (Node ESM) and the Apps Script add-on (one Code.js with top-level wrappers).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

async function buildGateway() {
  await esbuild.build({
    entryPoints: [path.join(root, 'gateway/src/main.ts')],
    outfile: path.join(dist, 'gateway/main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    logLevel: 'warning',
  });
}

/**
 * Apps Script calls triggers, menu items and google.script.run targets by global name, but an iife hides
 * everything. We read the entry's export list from the metafile and append one forwarding function per
 * export, passing every argument through so trigger event objects arrive intact.
 */
export function wrappersFor(exportNames, globalName) {
  return exportNames
    .map((name) => `function ${name}(...args) {\n  return ${globalName}.${name}(...args);\n}`)
    .join('\n');
}

/** esbuild records an entry's export names only for ESM output, so ask it once in that format. */
async function exportNamesOf(entry) {
  const probe = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    metafile: true,
    outdir: path.join(dist, 'probe'),
    logLevel: 'warning',
  });
  return Object.values(probe.metafile.outputs).flatMap((output) => output.exports ?? []);
}

async function buildAddon() {
  const globalName = 'QbBridge';
  const outfile = path.join(dist, 'addon/Code.js');
  await esbuild.build({
    entryPoints: [path.join(root, 'addon/src/entrypoints.ts')],
    outfile,
    bundle: true,
    platform: 'neutral',
    format: 'iife',
    globalName,
    target: 'es2020',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const names = await exportNamesOf(path.join(root, 'addon/src/entrypoints.ts'));
  if (names.length === 0) throw new Error('addon/src/entrypoints.ts exports nothing');
  fs.appendFileSync(
    outfile,
    `\n// Top-level entry points Apps Script can call by name.\n${wrappersFor(names, globalName)}\n`,
  );
  fs.copyFileSync(path.join(root, 'appsscript.json'), path.join(dist, 'addon/appsscript.json'));
  await buildSidebar();
}

/**
 * HtmlService serves one HTML file and nothing else (no separate JS/CSS, and no CDN for us): the sidebar's
 * script is bundled for the browser and inlined into dist/addon/Sidebar.html.
 */
async function buildSidebar() {
  const bundled = await esbuild.build({
    entryPoints: [path.join(root, 'addon/src/sidebar/sidebar.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    write: false,
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // A literal "</script" inside the code would end the inline script early.
  const js = bundled.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1');
  const template = fs.readFileSync(path.join(root, 'addon/src/sidebar/sidebar.html'), 'utf8');
  if (!template.includes('<!--SIDEBAR_SCRIPT-->'))
    throw new Error('sidebar.html lost its <!--SIDEBAR_SCRIPT--> marker');
  const html = template.replace('<!--SIDEBAR_SCRIPT-->', () => `<script>\n${js}</script>`);
  fs.writeFileSync(path.join(dist, 'addon/Sidebar.html'), html);
}

const started = performance.now();
// Overwrite in place rather than deleting dist/ first: a CLI started by another test run meanwhile keeps
// finding a complete build.
await Promise.all([buildGateway(), buildAddon()]);
if (!process.argv.includes('--quiet')) {
  console.error(`built dist/gateway and dist/addon in ${Math.round(performance.now() - started)} ms`);
}
