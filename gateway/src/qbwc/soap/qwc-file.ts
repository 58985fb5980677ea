import crypto from 'node:crypto';
import { isIP } from 'node:net';
import type { Db } from '../../store/database';
import { getMeta, getOrCreateMeta } from '../../store/meta';
import { escapeXml } from '../qbxml/xml-guard';

/**
 * The `.qwc` file a user adds to the Web Connector (qbwc.md §11). OwnerID and FileID are generated once and
 * kept in the store: a new FileID makes QBWC treat the file as a different application (QBWC1039), and the
 * FileID QBWC writes into the company file is what sendRequestXML checks the company against.
 */
export interface QwcIdentity {
  ownerId: string;
  fileId: string;
}

const ownerKey = 'qbwc.owner_id';
const fileKey = 'qbwc.file_id';

export function newGuid(): string {
  return `{${crypto.randomUUID().toUpperCase()}}`;
}

/** The stored identity, or undefined before any QWC file was made (then no FileID check is possible). */
export function qwcIdentity(db: Db): QwcIdentity | undefined {
  const ownerId = getMeta(db, ownerKey);
  const fileId = getMeta(db, fileKey);
  return ownerId && fileId ? { ownerId, fileId } : undefined;
}

export function ensureQwcIdentity(db: Db): QwcIdentity {
  return { ownerId: getOrCreateMeta(db, ownerKey, newGuid), fileId: getOrCreateMeta(db, fileKey, newGuid) };
}

export class QwcUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QwcUrlError';
  }
}

export interface QwcUrls {
  appUrl: string;
  supportUrl: string;
}

/**
 * The Web Connector refuses plain http except for localhost (QBWC1010/1051), an IP address as host
 * (QBWC1001), and an AppSupport on another domain (QBWC1000); check all of it before a user meets those codes.
 * `url` may be the gateway's base URL or the SOAP endpoint itself.
 */
export function qwcUrls(url: string): QwcUrls {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QwcUrlError(`"${url}" is not an absolute URL; for example https://qb-bridge.example.com`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    throw new QwcUrlError(
      `The Web Connector does not accept an IP address (${host}) in AppURL; use the gateway's DNS name (or localhost on the same PC)`,
    );
  }
  const local = host === 'localhost';
  if (parsed.protocol !== 'https:' && !(local && parsed.protocol === 'http:')) {
    throw new QwcUrlError(
      `The Web Connector needs https:// (plain http only for localhost); got ${parsed.protocol}//${host}`,
    );
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new QwcUrlError('Give the URL without credentials, query or fragment');
  }
  const base = parsed.pathname.replace(/\/+$/, '');
  const path = base.endsWith('/api/qbwc') ? base : `${base}/api/qbwc`;
  const root = path.slice(0, -'/api/qbwc'.length);
  return { appUrl: `${parsed.origin}${path}`, supportUrl: `${parsed.origin}${root}/qbwc/support` };
}

export interface QwcFileOptions {
  urls: QwcUrls;
  username: string;
  identity: QwcIdentity;
  appName?: string;
  runEveryMinutes?: number;
}

export function buildQwcFile(options: QwcFileOptions): string {
  const appUrl = new URL(options.urls.appUrl);
  const supportUrl = new URL(options.urls.supportUrl);
  if (appUrl.hostname !== supportUrl.hostname) {
    throw new QwcUrlError('AppSupport must be on the same host as AppURL (QBWC1000)');
  }
  const minutes = Math.max(1, Math.trunc(options.runEveryMinutes ?? 60));
  const element = (name: string, value: string) => `  <${name}>${escapeXml(value)}</${name}>`;
  return [
    '<?xml version="1.0"?>',
    '<QBWCXML>',
    element('AppName', options.appName ?? 'qb-bridge'),
    '  <AppID></AppID>',
    element('AppURL', options.urls.appUrl),
    element('AppDescription', 'Reads Profit & Loss reports and the employee count (read-only)'),
    element('AppSupport', options.urls.supportUrl),
    element('UserName', options.username),
    element('OwnerID', options.identity.ownerId),
    element('FileID', options.identity.fileId),
    '  <QBType>QBFS</QBType>',
    '  <Style>Document</Style>',
    '  <IsReadOnly>true</IsReadOnly>',
    '  <PersonalDataPref>pdpNotNeeded</PersonalDataPref>',
    '  <UnattendedModePref>umpOptional</UnattendedModePref>',
    `  <Scheduler><RunEveryNMinutes>${minutes}</RunEveryNMinutes></Scheduler>`,
    '</QBWCXML>',
    '',
  ].join('\n');
}
