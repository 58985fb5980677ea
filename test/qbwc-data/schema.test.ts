import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';
import {
  buildEmployeeRequest,
  buildProfitAndLossRequest,
  QbXmlVersionError,
  requestVersion,
} from '../../gateway/src/qbwc/qbxml/qbxml-build';
import { fixtureDir, qbxmlSchema } from './helpers';

const schemaDir = path.dirname(qbxmlSchema);
const schemaFile = (name: string): XMLFileInfo => ({
  fileName: name,
  contents: fs.readFileSync(path.join(schemaDir, name), 'utf8'),
});

/**
 * libxml2's schema validation (xmllint) compiled to WebAssembly (`xmllint-wasm`), against the qbXML 13.0
 * schema and the files it includes: no system tool needed. Throws with every error xmllint reported.
 */
async function validate(documents: Record<string, string>): Promise<void> {
  const result = await validateXML({
    xml: Object.entries(documents).map(([name, contents]) => ({ fileName: `${name}.xml`, contents })),
    schema: schemaFile(path.basename(qbxmlSchema)),
    preload: ['qbxmltypes130.xsd', 'qbxml130_modified.xsd', 'qbxmlso130.xsd'].map(schemaFile),
    maxMemoryPages: 16 * 1024, // 1 GiB: the schema alone is ~1 MB of XSD
  });
  if (!result.valid) {
    throw new Error(`xmllint found errors:\n${result.errors.map((e) => e.rawMessage).join('\n')}`);
  }
}

describe('generated qbXML requests', () => {
  it('validate against the qbXML 13.0 schema with xmllint', async () => {
    expect(fs.existsSync(qbxmlSchema)).toBe(true);
    await validate({
      accrual: buildProfitAndLossRequest('2024-02', 'Accrual', '13.0'),
      cash: buildProfitAndLossRequest('2025-12', 'Cash', '13.0'),
      older: buildProfitAndLossRequest('2025-06', 'Accrual', requestVersion('8.0')),
      employees: buildEmployeeRequest('13.0'),
    });
  });

  it('a request with elements out of schema order is rejected by the same check', async () => {
    const swapped = buildProfitAndLossRequest('2025-01', 'Accrual', '13.0')
      .replace('      <DisplayReport>false</DisplayReport>\n', '')
      .replace('</SummarizeColumnsBy>', '</SummarizeColumnsBy>\n      <DisplayReport>false</DisplayReport>');
    await expect(validate({ swapped })).rejects.toThrow(/DisplayReport/);
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
  it('all validate against the qbXML 13.0 schema', async () => {
    const files = fs.readdirSync(fixtureDir).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    await validate(
      Object.fromEntries(
        files.map((f) => [f.replace(/\.xml$/, ''), fs.readFileSync(path.join(fixtureDir, f), 'utf8')]),
      ),
    );
  });
});
