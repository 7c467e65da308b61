/**
 * The whole configuration at start-up: what loadConfig cannot see by itself. Every file section
 * (forecast, costs, inventory, quality, historian, http, alerts, suppliers, mes), the Odoo CA file, and the OPC UA security
 * settings when the historian is configured. One line per mistake (see mistakes.ts).
 */
import fs from 'node:fs';
import type { Config } from '../config.ts';
import { costSettings } from './costs.ts';
import { forecastSettings } from './forecast.ts';
import { historianSettings } from './historian.ts';
import { alertSettings, httpSettings } from './http.ts';
import { inventorySettings } from './inventory.ts';
import { supplierSettings } from './suppliers.ts';
import { mesSettings } from './mes.ts';
import { type ConfigMistake, collect } from './mistakes.ts';
import { qualitySettings } from './quality.ts';

/** The OPC UA settings that contradict each other (the historian's connection refuses them too). */
export function opcuaMistakes(
  config: Pick<Config, 'opcuaSecurityMode' | 'opcuaSecurityPolicy' | 'opcuaUser' | 'opcuaPassword'>,
): ConfigMistake[] {
  const out: ConfigMistake[] = [];
  if (config.opcuaUser === undefined && config.opcuaPassword !== undefined)
    out.push({ key: 'MFG_ETL_OPCUA_PASSWORD', message: 'is set without MFG_ETL_OPCUA_USER' });
  if (config.opcuaUser !== undefined && config.opcuaPassword === undefined)
    out.push({ key: 'MFG_ETL_OPCUA_USER', message: 'is set without MFG_ETL_OPCUA_PASSWORD (or MFG_ETL_OPCUA_PASSWORD_FILE)' });
  const policy = opcuaSecurityPolicy(config);
  if (config.opcuaSecurityMode !== 'None' && policy === 'None')
    out.push({
      key: 'MFG_ETL_OPCUA_SECURITY_POLICY',
      message: `None cannot protect security mode ${config.opcuaSecurityMode}; use e.g. Basic256Sha256`,
    });
  if (config.opcuaSecurityMode === 'None' && policy !== 'None')
    out.push({ key: 'MFG_ETL_OPCUA_SECURITY_POLICY', message: `${policy} needs MFG_ETL_OPCUA_SECURITY_MODE Sign or SignAndEncrypt` });
  return out;
}

/** The security policy in effect: the configured one, else None with mode None and Basic256Sha256 otherwise. */
export function opcuaSecurityPolicy(config: Pick<Config, 'opcuaSecurityMode' | 'opcuaSecurityPolicy'>): string {
  return config.opcuaSecurityPolicy ?? (config.opcuaSecurityMode === 'None' ? 'None' : 'Basic256Sha256');
}

/** What is wrong with the Odoo CA file (a PEM file we can read), if one is configured. */
function caFileMistakes(file: string | undefined): ConfigMistake[] {
  if (!file) return [];
  const key = 'MFG_ETL_ODOO_CA_FILE';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return [{ key, message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})` }];
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    return [{ key, message: `expected a PEM certificate (-----BEGIN CERTIFICATE-----) in ${file}` }];
  return [];
}

/** Every mistake of the configuration beyond what loadConfig checks, one line each. */
export function configMistakes(config: Config): string[] {
  const lines: string[] = [];
  const line = (m: ConfigMistake) => `${m.key}: ${m.message}`;
  lines.push(...caFileMistakes(config.odooCaFile).map(line));
  // "the historian is configured": its server or its section is
  if (config.opcuaEndpoint !== undefined || config.file.historian !== undefined) lines.push(...opcuaMistakes(config).map(line));
  for (const read of [
    forecastSettings,
    costSettings,
    inventorySettings,
    qualitySettings,
    historianSettings,
    httpSettings,
    alertSettings,
    supplierSettings,
    mesSettings,
  ]) {
    collect(lines, () => read(config));
  }
  return [...new Set(lines)];
}
