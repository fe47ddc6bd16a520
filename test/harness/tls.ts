/**
 * Throw-away TLS material for the TLS-only test server, generated with the `openssl` CLI:
 * a CA and a server certificate for 127.0.0.1 / localhost signed by it.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinaries } from './server-process.js';

const execFileAsync = promisify(execFile);

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

// A self-contained config so the result does not depend on the system openssl.cnf.
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Generates ca.crt, server.crt and server.key in `dir`. */
export async function generateTlsFiles(dir: string): Promise<TlsFiles> {
  const { openssl } = requireBinaries(['openssl']);
  await mkdir(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const config = file('openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);

  const run = async (args: string[]) => {
    try {
      await execFileAsync(openssl, args, { cwd: dir, timeout: 20_000 });
    } catch (error) {
      const e = error as Error & { stderr?: string };
      throw new Error(
        `test harness: openssl ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`,
      );
    }
  };

  // CA (self-signed)
  // prettier-ignore
  await run([
    'req', '-x509', '-config', config, '-extensions', 'v3_ca', ...EC_KEY,
    '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '7',
    '-subj', '/CN=nestjs-cachex test CA',
  ]);
  // Server key + CSR, then sign it with the CA
  // prettier-ignore
  await run([
    'req', '-new', '-config', config, ...EC_KEY,
    '-keyout', file('server.key'), '-out', file('server.csr'),
    '-subj', '/CN=localhost',
  ]);
  // prettier-ignore
  await run([
    'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
    '-set_serial', `0x${Date.now().toString(16)}`, '-days', '7',
    '-extfile', config, '-extensions', 'v3_server', '-out', file('server.crt'),
  ]);

  return { caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}
