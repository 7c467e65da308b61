/**
 * node-opcua's NODE-OPCUA-W27 start-up notice (a self-test of RSA PKCS#1 v1.5 padding on Node 20,
 * "--security-revert=CVE-2023-46809") is not printed by any OPC UA command; its other warnings are.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isStartupPaddingNotice } from '../../extract/historian/connection.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Loads the OPC UA connection module in a fresh process and returns what it printed before exiting. */
function loadInFreshProcess(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', "await import('./extract/historian/connection.ts')"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(output));
  });
}

describe('node-opcua start-up notices', () => {
  it('loading the OPC UA client prints no NODE-OPCUA-W27 security-revert notice', async () => {
    const output = await loadInFreshProcess();
    expect(output).not.toContain('NODE-OPCUA-W27');
    expect(output).not.toContain('security-revert');
  }, 60_000);

  it('only the two lines of that notice are held back, not other node-opcua warnings', () => {
    expect(isStartupPaddingNotice('[NODE-OPCUA-W27] node version v20.20.2')).toBe(true);
    expect(
      isStartupPaddingNotice('  you need to use node flag --security-revert=CVE-2023-46809 if you have issue with RSA PKCS#1 v1.5'),
    ).toBe(true);
    expect(isStartupPaddingNotice('[NODE-OPCUA-W09] certificate is about to expire')).toBe(false);
  });
});
