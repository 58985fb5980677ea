import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { scrubString } from '../log/redact';
import { applyAliases } from './aliases';
import { type Env, envSchema, examples } from './schema';

export interface Config extends Env {
  /** DATA_DIR resolved to an absolute path. */
  dataDir: string;
  /** Deprecation notes for seed variable names that were used; printed once at start-up. */
  deprecations: string[];
  /**
   * True when PUBLIC_URL was not set and is derived as http://localhost:PORT (and re-derived from the
   * port `serve` really binds). A request's Host header is never used: it is whatever the caller sent.
   */
  publicUrlDerived: boolean;
}

/** The gateway's own address when PUBLIC_URL is unset: good for a Web Connector on this machine. */
export function derivedPublicUrl(port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://localhost:${port}`;
}

/** A configuration mistake: the message is one line naming the variable, the problem and a right value. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads `.env` from `dir` (if present); real environment variables win over the file. */
export function readDotenv(dir: string): Record<string, string> {
  const file = path.join(dir, '.env');
  if (!fs.existsSync(file)) return {};
  return parseDotenv(fs.readFileSync(file));
}

function describe(issue: z.core.$ZodIssue, raw: string | undefined): string {
  if (raw === undefined && issue.code === 'invalid_type') return 'is missing';
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `is "${raw}" but must be one of ${issue.values.map(String).join(', ')}`;
  }
  return raw === undefined ? issue.message : `is "${raw}" but ${issue.message}`;
}

/**
 * Builds the typed configuration from an environment. Empty strings count as unset, so a `.env` line
 * like `QBO_CLIENT_ID=` falls back to the default instead of failing validation.
 */
export function loadConfig(
  environment: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
  const merged = { ...readDotenv(cwd), ...environment };
  const { env, warnings, sources } = applyAliases(merged);
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') relevant[key] = value;
  }
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]) as keyof Env;
    const secret = /SECRET|KEY|PASSWORD|HASH/.test(variable);
    const raw = relevant[variable];
    // URLs can carry credentials (mysql://user:password@host): show them without the userinfo.
    const shown = raw === undefined ? undefined : secret ? '(hidden)' : scrubString(raw);
    // A value that came in under a seed name is reported under that name: it is the one the user can find.
    const alias = sources[variable];
    const named = alias ? `${alias} (read as ${variable})` : variable;
    throw new ConfigError(
      `${named} ${describe(issue, shown)}; for example ${variable}=${examples[variable]}`,
      alias ?? variable,
    );
  }
  const publicUrlDerived = parsed.data.PUBLIC_URL === undefined;
  return {
    ...parsed.data,
    PUBLIC_URL: parsed.data.PUBLIC_URL ?? derivedPublicUrl(parsed.data.PORT),
    dataDir: path.resolve(cwd, parsed.data.DATA_DIR),
    deprecations: warnings,
    publicUrlDerived,
  };
}
