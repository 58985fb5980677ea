import fs from 'node:fs';
import type { Config } from './load';
import { configuredIntegrations } from './require';

/**
 * Which flows the add-on's sidebar offers panels for: the settings each needs are present. Zimbra also
 * counts as configured without ZIMBRA_HOST when its report folder exists (the local-folder source).
 */
export function flowsConfigured(config: Config): { mis: boolean; zimbra: boolean; qbwc: boolean } {
  const integrations = configuredIntegrations(config);
  const localReports = config.ZIMBRA_HOST === undefined && fs.existsSync(config.ZIMBRA_REPORT_PATH);
  return {
    mis: integrations.mis === true,
    zimbra: integrations.zimbra === true || localReports,
    qbwc: integrations.qbwc === true,
  };
}
