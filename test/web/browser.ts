/**
 * Headless Debian chromium driven by playwright-core, for the dashboard's browser tests: a page that records
 * CSP refusals and accepts confirm dialogs, screenshots under test-output/web/ (git-ignored), and an axe-core
 * pass evaluated in the page (through the debugging protocol, so the page's CSP stays as it is).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/cli';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const shotsDir = path.join(repoRoot, 'test-output/web');
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface BrowserSession {
  browser: BrowserContext;
  page: Page;
  /** Console lines where the page's CSP refused something. */
  cspViolations: string[];
  shot(name: string): Promise<void>;
  /** axe-core violations of serious or critical impact on the current page, one line each. */
  seriousViolations(): Promise<string[]>;
  close(): Promise<void>;
}

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }>;
}

export async function openBrowser(): Promise<BrowserSession> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `No chromium at ${chromiumPath}: apt-get install chromium (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  fs.mkdirSync(shotsDir, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('dialog', (dialog) => dialog.accept());
  return {
    browser,
    page,
    cspViolations,
    async shot(name) {
      await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true });
    },
    async seriousViolations() {
      await page.evaluate(axeSource);
      const result = (await page.evaluate(() =>
        (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
      )) as AxeResult;
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
    },
    async close() {
      await browser.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
