import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli';

const bundlePath = path.join(repoRoot, 'dist/addon/Code.js');

/** Just enough of Apps Script's globals to run onOpen, recording what the add-on does with the UI. */
function appsScriptSandbox() {
  const added: Array<{ label: string; handler: string }> = [];
  let menusShown = 0;
  const menu = {
    addItem(label: string, handler: string) {
      added.push({ label, handler });
      return menu;
    },
    addToUi() {
      menusShown += 1;
    },
  };
  const sandbox = {
    SpreadsheetApp: { getUi: () => ({ createAddonMenu: () => menu, showSidebar: () => undefined }) },
    HtmlService: { createHtmlOutput: () => ({ setTitle: () => ({}) }) },
  };
  return { sandbox, added, shown: () => menusShown };
}

describe('Apps Script bundle', () => {
  const source = fs.readFileSync(bundlePath, 'utf8');

  it('declares onOpen as a real top-level function that Apps Script can call by name', () => {
    expect(source).toMatch(/^function onOpen\(/m);
    const { sandbox, added, shown } = appsScriptSandbox();
    const context = vm.createContext(sandbox);
    vm.runInContext(source, context, { filename: 'Code.js' });
    // A top-level function declaration becomes a property of the script's global object.
    expect(typeof (context as Record<string, unknown>).onOpen).toBe('function');
    vm.runInContext('onOpen({ authMode: "LIMITED" })', context);
    expect(shown()).toBe(1);
    expect(added.length).toBeGreaterThan(0);
  });

  it('has a top-level function for every menu handler', () => {
    const { sandbox, added } = appsScriptSandbox();
    const context = vm.createContext(sandbox);
    vm.runInContext(source, context);
    vm.runInContext('onOpen()', context);
    for (const item of added) {
      expect(typeof (context as Record<string, unknown>)[item.handler], item.handler).toBe('function');
    }
  });

  it('contains no module syntax Apps Script would reject', () => {
    expect(source).not.toMatch(/^\s*(export|import)\s/m);
    expect(fs.existsSync(path.join(repoRoot, 'dist/addon/appsscript.json'))).toBe(true);
  });
});
