import fs from 'node:fs';
import path from 'node:path';
import type { FakeSpreadsheet } from './spreadsheet';

/** The spreadsheet UI (add-on menu, sidebar, alerts as toasts) and HtmlService (only bundled files). */
export function createUi(
  spreadsheet: FakeSpreadsheet,
  menu: Array<{ label: string; handler: string }>,
  sidebars: string[],
) {
  return {
    createAddonMenu() {
      const m = {
        addItem(label: string, handler: string) {
          menu.push({ label, handler });
          return m;
        },
        addSeparator: () => m,
        addToUi: () => undefined,
      };
      return m;
    },
    showSidebar(output: { getContent(): string }) {
      sidebars.push(output.getContent());
    },
    alert: (message: string) => {
      spreadsheet.toasts.push(String(message));
    },
  };
}

const htmlOutput = (content: string) => {
  const out = {
    title: '',
    setTitle(t: string) {
      out.title = t;
      return out;
    },
    getContent: () => content,
  };
  return out;
};

export function createHtmlService(bundleDir: string) {
  return {
    createHtmlOutputFromFile(name: string) {
      const file = path.join(bundleDir, `${name}.html`);
      if (!fs.existsSync(file)) throw new Error(`No HTML file named ${name} was found.`);
      return htmlOutput(fs.readFileSync(file, 'utf8'));
    },
    createHtmlOutput: (html: string) => htmlOutput(html),
  };
}
