import path from 'node:path';

/**
 * The seeds' variable names, accepted so their users can move over. Each alias maps to our name and,
 * where the meaning differs, converts the value.
 */
interface Alias {
  from: string;
  to: string;
  convert?: (value: string) => string;
  /** What the value means under the new name, when it is not simply the same value. */
  note?: string;
}

function seedEnvironment(value: string): string {
  const v = value.trim().toLowerCase();
  return v === 'production' ? 'production' : v === 'development' || v === 'sandbox' ? 'sandbox' : value;
}

export const aliases: readonly Alias[] = [
  { from: 'QB_CLIENT_ID', to: 'QBO_CLIENT_ID' },
  { from: 'QB_CLIENT_SECRET', to: 'QBO_CLIENT_SECRET' },
  { from: 'QB_REDIRECT_URI', to: 'QBO_REDIRECT_URI' },
  { from: 'QB_REALM_ID', to: 'QBO_REALM_ID' },
  { from: 'QBO_COMPANY_ID', to: 'QBO_REALM_ID' },
  { from: 'QB_ENV', to: 'QBO_ENVIRONMENT', convert: seedEnvironment },
  {
    from: 'QBO_SANDBOX',
    to: 'QBO_ENVIRONMENT',
    convert: (v) => (['false', '0', 'no'].includes(v.trim().toLowerCase()) ? 'production' : 'sandbox'),
  },
  { from: 'QB_SYNC_MODE', to: 'SHEETS_SYNC_MODE' },
  { from: 'QB_ELIGIBLE_STATUSES', to: 'SHEETS_ELIGIBLE_STATUSES' },
  // The sheet seed sent minorversion 70; a value below our minimum fails validation naming QB_MINOR_VERSION.
  { from: 'QB_MINOR_VERSION', to: 'QBO_MINOR_VERSION' },
  { from: 'QB_DEFAULT_ITEM_ID', to: 'QBO_DEFAULT_ITEM_ID' },
  { from: 'QB_DEFAULT_EXPENSE_ACCOUNT', to: 'QBO_DEFAULT_EXPENSE_ACCOUNT_ID' },
  { from: 'QB_AUTO_MARK_BILL_PAID', to: 'QBO_AUTO_MARK_BILL_PAID' },
  // The Zimbra seed pointed at its SQLite file; we keep every table in one store inside DATA_DIR.
  {
    from: 'DATABASE_PATH',
    to: 'DATA_DIR',
    convert: (v) => path.dirname(v),
    note: 'the folder that holds the file',
  },
];

export interface AliasResult {
  env: Record<string, string | undefined>;
  warnings: string[];
  /** Our name → the alias its value came from, so a validation error names the variable the user set. */
  sources: Record<string, string>;
}

/** Copies alias values onto our names (our name wins when both are set) and says which aliases were used. */
export function applyAliases(source: Record<string, string | undefined>): AliasResult {
  const env = { ...source };
  const warnings: string[] = [];
  const sources: Record<string, string> = {};
  for (const alias of aliases) {
    const value = source[alias.from];
    if (value === undefined || value === '') continue;
    if (source[alias.to] !== undefined && source[alias.to] !== '') {
      warnings.push(`${alias.from} is ignored because ${alias.to} is also set; remove ${alias.from}.`);
      continue;
    }
    env[alias.to] = alias.convert ? alias.convert(value) : value;
    sources[alias.to] = alias.from;
    const meaning = alias.note ? ` (set to ${alias.note})` : '';
    warnings.push(`${alias.from} is deprecated; rename it to ${alias.to}${meaning}.`);
  }
  return { env, warnings, sources };
}
