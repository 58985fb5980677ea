import type { Db } from '../../store/database';
import { negotiateQbxmlVersion, parseHcpResponse } from '../qbxml/hcp';
import { UnsafeXmlError } from '../qbxml/xml-guard';
import type { SessionRow } from '../sessions/session-store';
import type { QbwcSessions } from '../sessions/sessions';
import { qwcIdentity } from './qwc-file';

/**
 * The first sendRequestXML of a session (qbwc.md §2, §5.3): which company file QuickBooks opened, whether
 * it is the file our QWC was added to (FileID in the HCP response), which qbXML level to speak, and whether
 * another Web Connector is already sending requests for that file (one active session per company file).
 */
export type CompanyFileOutcome =
  | { kind: 'ready'; row: SessionRow }
  /** Answer '' now; getLastError says "NoOp", so the Web Connector asks again in 5 seconds. */
  | { kind: 'wait' }
  | { kind: 'refused'; error: string };

/** Long enough for another session that is wrapping up to finish; a whole sync of theirs is not waited out. */
export const defaultCompanyFileWaitMs = 60_000;

export interface CompanyFileRequest {
  companyFile: string;
  hcpResponse: string;
  qbXMLMajorVers: string;
  qbXMLMinorVers: string;
}

export function startCompanyFile(
  db: Db,
  sessions: QbwcSessions,
  row: SessionRow,
  request: CompanyFileRequest,
  waitMs: number,
): CompanyFileOutcome {
  const companyFile = request.companyFile.trim();
  // QuickBooks sends the HCP response only on the first call; a session that waits for the file gets the
  // stored copy back on the later ones.
  const fresh = request.hcpResponse.trim() !== '';
  const hcp = fresh ? request.hcpResponse : (sessions.store.hcpResponse(row.id) ?? '');
  let supported: string[] = [];
  let fileId: string | null = null;
  if (hcp.trim() !== '') {
    let facts: ReturnType<typeof parseHcpResponse>;
    try {
      facts = parseHcpResponse(hcp);
    } catch (error) {
      if (!(error instanceof UnsafeXmlError)) throw error;
      return { kind: 'refused', error: `QuickBooks' company information was refused: ${error.message}` };
    }
    const identity = qwcIdentity(db);
    fileId = identity ? (facts.fileIds[identity.ownerId.toUpperCase()] ?? null) : null;
    if (identity && fileId && fileId.toUpperCase() !== identity.fileId.toUpperCase()) {
      return {
        kind: 'refused',
        error: `This company file${facts.companyName ? ` (${facts.companyName})` : ''} was connected with a different qb-bridge QWC file (FileID ${fileId}); download the current one from /api/qbwc/app.qwc and add it again.`,
      };
    }
    supported = facts.supportedVersions;
    if (fresh) sessions.store.saveHcpResponse(row.id, hcp);
  }
  const holder = companyFile ? sessions.companyFileHolder(companyFile, row.id) : undefined;
  if (holder) {
    if (sessions.waitedForFile(row.id) < waitMs) return { kind: 'wait' };
    sessions.stopWaitingForFile(row.id);
    return {
      kind: 'refused',
      error: `Another Web Connector session (user "${holder.username}", started ${holder.createdAt}) is already updating ${companyFile}; qb-bridge sent no requests in this one and will sync at the next run.`,
    };
  }
  sessions.stopWaitingForFile(row.id);
  const choice = negotiateQbxmlVersion(request.qbXMLMajorVers, request.qbXMLMinorVers, supported);
  if (!choice.ok) return { kind: 'refused', error: choice.error };
  return {
    kind: 'ready',
    row: sessions.update(row, { companyFile, fileId, qbxmlVersion: choice.version }),
  };
}
