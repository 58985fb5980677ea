/**
 * QuickBooks DocNumber from the row's `invoice` cell: at most 21 characters (Intuit's limit) including an
 * optional prefix, never a URL (the seed fell back to `inv_link`, far longer than 21), never empty. The
 * DocNumber is what the exactly-once writer looks an unknown outcome up by, so it is fixed before any call.
 */
export const docNumberMax = 21;

export type DocNumberResult = { ok: true; docNumber: string } | { ok: false; error: string };

export function docNumberOf(invoice: unknown, prefix = ''): DocNumberResult {
  const text = String(invoice ?? '').trim();
  if (text === '') return { ok: false, error: 'invoice is empty; fill in the invoice number' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^www\./i.test(text)) {
    return {
      ok: false,
      error: 'invoice holds a link; put the link in inv_link and the invoice number in invoice',
    };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    return { ok: false, error: 'invoice contains a line break or control character; remove it' };
  }
  const docNumber = `${prefix}${text}`;
  if (docNumber.length > docNumberMax) {
    return {
      ok: false,
      error: `invoice "${text}"${prefix ? ` with the prefix "${prefix}"` : ''} is ${docNumber.length} characters; QuickBooks allows ${docNumberMax}`,
    };
  }
  return { ok: true, docNumber };
}
