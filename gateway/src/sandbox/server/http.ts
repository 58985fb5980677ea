/** Response builders shared by the API and batch handlers (QBO's content types and envelopes). */
import { envelopeTime } from '../clock';
import { faultBody, type QboFault } from '../faults/fault-bodies';

export const jsonSuccessType = 'application/json;charset=utf-8';
export const jsonErrorType = 'application/json';

export function jsonResponse(status: number, body: unknown, contentType: string): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

export function faultResponse(fault: QboFault, nowMs: number): Response {
  return jsonResponse(fault.status, faultBody(fault, envelopeTime(nowMs)), jsonErrorType);
}

export function htmlResponse(status: number, html: string): Response {
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** `1-5f734f0e-…`: Intuit's transaction id format, on every response. */
export function intuitTid(random: () => number, nowMs: number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `1-${Math.floor(nowMs / 1000).toString(16)}-${hex(24)}`;
}
