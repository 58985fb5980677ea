import type { ConnectedCompany } from './connect-callback';

/**
 * Connects the demo gateway to the emulator the way a person would, over HTTP only: /qbo/connect sends
 * us to the (emulated) Intuit consent page, we approve it, and the redirect lands on the gateway's own
 * /qbo/callback, which exchanges the code and stores the tokens.
 */
export async function connectDemoCompany(gatewayUrl: string, apiToken: string): Promise<ConnectedCompany> {
  const base = gatewayUrl.replace(/\/+$/, '');
  const start = await fetch(`${base}/qbo/connect`, {
    headers: { Authorization: `Bearer ${apiToken}` },
    redirect: 'manual',
  });
  const authorizeUrl = redirectTarget(start, `${base}/qbo/connect`);
  const callbackUrl = await approve(authorizeUrl);
  const finished = await fetch(callbackUrl, { headers: { Accept: 'application/json' }, redirect: 'manual' });
  const body = (await finished.json().catch(() => undefined)) as
    | { success?: boolean; message?: string; data?: { realmId?: unknown; companyName?: unknown } }
    | undefined;
  if (!finished.ok || !body?.success || typeof body.data?.realmId !== 'string') {
    throw new Error(
      `The gateway did not finish the QuickBooks connection: ${body?.message ?? `HTTP ${finished.status}`}`,
    );
  }
  const companyName = typeof body.data.companyName === 'string' ? body.data.companyName : null;
  return { realmId: body.data.realmId, companyName };
}

function redirectTarget(response: Response, from: string): string {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status > 399 || !location) {
    throw new Error(`${from} answered HTTP ${response.status} instead of a redirect`);
  }
  return new URL(location, from).toString();
}

const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'quot' ? '"' : "'",
  );

/** Approves the consent page: follows its approve link, or submits its form, and returns the redirect. */
async function approve(authorizeUrl: string): Promise<string> {
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  if (consent.status >= 300 && consent.status < 400) return redirectTarget(consent, authorizeUrl);
  if (!consent.ok) throw new Error(`The authorize page answered HTTP ${consent.status}`);
  const page = await consent.text();
  const link =
    /<a\b[^>]*\bid="approve"[^>]*\bhref="([^"]+)"/i.exec(page) ??
    /<a\b[^>]*\bhref="([^"]+)"[^>]*\bid="approve"/i.exec(page);
  if (link) {
    const href = new URL(unescapeHtml(link[1]!), authorizeUrl).toString();
    return redirectTarget(await fetch(href, { redirect: 'manual' }), href);
  }
  const form = /<form\b[^>]*\baction="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!form) throw new Error('The authorize page has neither an approve link nor a form');
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input\b[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/gi)) {
    fields.set(unescapeHtml(input[1]!), unescapeHtml(input[2]!));
  }
  const action = new URL(unescapeHtml(form[1]!), authorizeUrl).toString();
  const submitted = await fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  return redirectTarget(submitted, action);
}
