import { maxQbXmlVersion, minQbXmlVersion } from './qbxml-build';
import { childrenNamed, firstChild, readXml, type XmlElement } from './xml-reader';

/**
 * What the first sendRequestXML's `strHCPResponse` (HostQuery + CompanyQuery + PreferencesQuery results,
 * qbwc.md §5.3) tells us: which qbXML versions QuickBooks speaks, which company file this is, and the
 * FileID the Web Connector wrote into it under our OwnerID.
 */
export interface HcpFacts {
  productName?: string;
  companyName?: string;
  supportedVersions: string[];
  /** DataExt `FileID` values by OwnerID (upper-cased, braces kept). */
  fileIds: Record<string, string>;
}

function path(root: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let at = root;
  for (const name of names) at = at && firstChild(at, name);
  return at;
}

export function parseHcpResponse(xml: string): HcpFacts {
  const root = readXml(xml, { allowProcessingInstructions: true, what: 'The HCP response' });
  const msgs = root.name === 'QBXML' ? firstChild(root, 'QBXMLMsgsRs') : undefined;
  const host = path(msgs, 'HostQueryRs', 'HostRet');
  const company = path(msgs, 'CompanyQueryRs', 'CompanyRet');
  const fileIds: Record<string, string> = {};
  for (const ext of company ? childrenNamed(company, 'DataExtRet') : []) {
    if (firstChild(ext, 'DataExtName')?.text.trim() !== 'FileID') continue;
    const owner = firstChild(ext, 'OwnerID')?.text.trim().toUpperCase();
    const value = firstChild(ext, 'DataExtValue')?.text.trim();
    if (owner && value) fileIds[owner] = value;
  }
  return {
    productName: host && firstChild(host, 'ProductName')?.text.trim(),
    companyName: company && firstChild(company, 'CompanyName')?.text.trim(),
    supportedVersions: host ? childrenNamed(host, 'SupportedQBXMLVersion').map((v) => v.text.trim()) : [],
    fileIds,
  };
}

function toNumber(version: string): number | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(version.trim());
  return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined;
}

export type VersionChoice = { ok: true; version: string } | { ok: false; error: string };

/**
 * 13.0 unless the Web Connector's request processor (qbXMLMajorVers/MinorVers) or QuickBooks'
 * SupportedQBXMLVersion list says less; below 7.0 we refuse with a sentence the user can act on. Both ends
 * come from the request templates (qbxml-build.ts), which are what has to be valid at the chosen level.
 */
export function negotiateQbxmlVersion(
  major: string,
  minor: string,
  supported: readonly string[],
): VersionChoice {
  let best = toNumber(maxQbXmlVersion)!;
  const reported = /^\d+$/.test(major.trim())
    ? toNumber(`${major.trim()}.${/^\d+$/.test(minor.trim()) ? minor.trim() : '0'}`)
    : undefined;
  if (reported !== undefined) best = Math.min(best, reported);
  const numeric = supported.map(toNumber).filter((v): v is number => v !== undefined);
  if (numeric.length > 0) {
    const usable = numeric.filter((v) => v <= best);
    best = usable.length > 0 ? Math.max(...usable) : Math.min(best, ...numeric);
  }
  const version = `${Math.floor(best / 1000)}.${best % 1000}`;
  if (best < toNumber(minQbXmlVersion)!) {
    return {
      ok: false,
      error: `This QuickBooks speaks qbXML ${version}; qb-bridge needs ${minQbXmlVersion} or later (QuickBooks 2008 or newer). Update QuickBooks to sync.`,
    };
  }
  return { ok: true, version };
}
