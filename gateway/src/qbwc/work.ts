/**
 * The seam between the SOAP shell (transport, tickets, credentials: `soap-*.ts`, `sessions.ts`) and the
 * work a Web Connector session does (which qbXML requests to send, how responses become metrics:
 * `plan.ts`, `qbxml-build.ts`, `pnl.ts`, `metrics.ts`, `service.ts`).
 */
export interface QbwcSessionInfo {
  /** Row id in `qbwc_sync_sessions`. */
  sessionId: number;
  ticket: string;
  /** The company file path QuickBooks reported (from sendRequestXML's strCompanyFileName). */
  companyFile: string;
  /** qbXML version to speak, negotiated from the Web Connector's qbXMLMajorVers/MinorVers, e.g. "13.0". */
  qbXmlVersion: string;
}

export interface ResponseOutcome {
  /** 0-100 progress, or a negative number to tell the Web Connector an error happened (getLastError). */
  percent: number;
  /** Set when percent is negative: the sentence getLastError returns. */
  error?: string;
}

export interface PlannedRequest {
  /** A whole qbXML document, `<?qbxml version="…"?>` included. */
  xml: string;
  /** Recorded on the session row as current_query_type / current_period (the seed's columns). */
  kind: 'profit_loss' | 'employees';
  period?: string;
}

/** What receiveResponseXML carried: the qbXML, or QuickBooks' HRESULT and message when it failed. */
export interface QbwcResponse {
  xml: string;
  hresult: string;
  message: string;
}

/**
 * The work side keeps its own per-session state (plan, cursor) in its own table keyed by sessionId, so a
 * gateway restart mid-session continues where it was; the shell keeps the session row itself.
 */
export interface QbwcWork {
  /** Plans the session's requests right after a successful authenticate; 0 means "none" (nothing to do). */
  plan(session: QbwcSessionInfo): number;
  /**
   * The request to send now, or null when the plan is finished. Calling it again before a response arrives
   * returns the same request (the Web Connector may repeat sendRequestXML).
   */
  nextRequest(session: QbwcSessionInfo): PlannedRequest | null;
  /** Consumes a response (or the hresult/message error path) and reports progress. */
  receive(session: QbwcSessionInfo, response: QbwcResponse): ResponseOutcome;
  /** The session ended (closeConnection or expiry); release anything held for it. */
  finish(session: QbwcSessionInfo, outcome: 'completed' | 'failed'): void;
}
