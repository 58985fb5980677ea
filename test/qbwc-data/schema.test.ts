import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildEmployeeRequest,
  buildProfitAndLossRequest,
  QbXmlVersionError,
  requestVersion,
} from '../../gateway/src/qbwc/qbxml/qbxml-build';
import { fixtureDir, qbxmlSchema } from './helpers';

/** Runs the real xmllint against the qbXML 13.0 schema; returns its combined output. */
function validate(files: string[]): string {
  try {
    return execFileSync('xmllint', ['--noout', '--schema', qbxmlSchema, ...files], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`xmllint failed (${e.status}): ${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

function validateText(documents: Record<string, string>): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-qbxml-'));
  try {
    const files = Object.entries(documents).map(([name, xml]) => {
      const file = path.join(dir, `${name}.xml`);
      fs.writeFileSync(file, xml);
      return file;
    });
    validate(files);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('generated qbXML requests', () => {
  it('validate against the qbXML 13.0 schema with xmllint', () => {
    expect(fs.existsSync(qbxmlSchema)).toBe(true);
    validateText({
      accrual: buildProfitAndLossRequest('2024-02', 'Accrual', '13.0'),
      cash: buildProfitAndLossRequest('2025-12', 'Cash', '13.0'),
      older: buildProfitAndLossRequest('2025-06', 'Accrual', requestVersion('8.0')),
      employees: buildEmployeeRequest('13.0'),
    });
  });

  it('a request with elements out of schema order is rejected by the same check', () => {
    const swapped = buildProfitAndLossRequest('2025-01', 'Accrual', '13.0')
      .replace('      <DisplayReport>false</DisplayReport>\n', '')
      .replace('</SummarizeColumnsBy>', '</SummarizeColumnsBy>\n      <DisplayReport>false</DisplayReport>');
    expect(() => validateText({ swapped })).toThrow(/DisplayReport/);
  });

  it('ask for one calendar month on the configured basis, and employees without personal data', () => {
    const leap = buildProfitAndLossRequest('2024-02', 'Cash', '13.0');
    expect(leap).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<\?qbxml version="13.0"\?>/);
    expect(leap).toContain('<QBXMLMsgsRq onError="stopOnError">');
    expect(leap).toContain('<FromReportDate>2024-02-01</FromReportDate>');
    expect(leap).toContain('<ToReportDate>2024-02-29</ToReportDate>');
    expect(leap).toContain('<ReportBasis>Cash</ReportBasis>');
    const employees = buildEmployeeRequest('13.0');
    expect(employees.match(/<IncludeRetElement>(\w+)<\/IncludeRetElement>/g)).toEqual([
      '<IncludeRetElement>ListID</IncludeRetElement>',
      '<IncludeRetElement>IsActive</IncludeRetElement>',
    ]);
  });

  it('speak the negotiated qbXML level, capped at 13.0, and refuse levels below 7.0', () => {
    expect(requestVersion('13.0')).toBe('13.0');
    expect(requestVersion('16.0')).toBe('13.0');
    expect(requestVersion('12')).toBe('12.0');
    expect(requestVersion(undefined)).toBe('13.0');
    expect(() => requestVersion('6.0')).toThrow(QbXmlVersionError);
    expect(buildEmployeeRequest(requestVersion('11.0'))).toContain('<?qbxml version="11.0"?>');
  });
});

describe('response fixtures', () => {
  it('all validate against the qbXML 13.0 schema', () => {
    const files = fs
      .readdirSync(fixtureDir)
      .filter((f) => f.endsWith('.xml'))
      .map((f) => path.join(fixtureDir, f));
    expect(files.length).toBeGreaterThanOrEqual(9);
    validate(files);
  });
});
