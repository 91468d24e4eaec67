import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Certificates for tests, made with the openssl CLI (on every Debian machine that has the
 * ca-certificates package, which depends on it): no dependency to add, nothing downloaded.
 */

/** A certificate authority of one test run, and one server certificate it signed. */
export interface TestCertificates {
  /** The CA certificate (PEM). */
  ca: string;
  /** The server certificate (PEM) for the names given, and its key. */
  cert: string;
  key: string;
  /** Removes the files (and the CA from the system store, if it was installed there). */
  dispose(): Promise<void>;
}

const systemCaFolder = '/usr/local/share/ca-certificates';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a CA (valid two days) and a server certificate for `names` (DNS names) and 127.0.0.1. */
export function createTestCertificates(names: readonly string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'evolink-test-ca-'));
  const id = randomBytes(4).toString('hex');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=EvoLink Test CA ${id}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${names[0] ?? 'localhost'}`], dir);
  const san = [...names.map((name) => `DNS:${name}`), 'IP:127.0.0.1'].join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const installed: string[] = [];
  const certificates: TestCertificates & { installed: string[] } = {
    ca: read('ca.crt'),
    cert: read('server.crt'),
    key: read('server.key'),
    installed,
    async dispose() {
      for (const file of installed.splice(0)) await removeSystemCa(file);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  certificateFiles.set(certificates, { dir, id });
  return certificates;
}

const certificateFiles = new WeakMap<TestCertificates, { dir: string; id: string }>();

/**
 * Installs the CA as a system certificate (`/usr/local/share/ca-certificates`, then
 * `update-ca-certificates`; needs root). `dispose()` removes it again; so does the end of the
 * process, should a test run stop before that. `update-ca-certificates` runs its hooks (a Java
 * key store, for one) and may take half a minute on a busy machine: it runs without blocking.
 */
export async function installSystemCa(certificates: TestCertificates): Promise<void> {
  const files = certificateFiles.get(certificates);
  if (!files) throw new Error('Not certificates made by createTestCertificates.');
  const target = join(systemCaFolder, `evolink-test-${files.id}.crt`);
  copyFileSync(join(files.dir, 'ca.crt'), target);
  (certificates as TestCertificates & { installed: string[] }).installed.push(target);
  process.once('exit', () => {
    if (!existsSync(target)) return;
    unlinkSync(target);
    execFileSync('update-ca-certificates', { stdio: 'ignore' });
  });
  await run('update-ca-certificates', []);
}

const run = promisify(execFile);

async function removeSystemCa(file: string): Promise<void> {
  if (!existsSync(file)) return;
  unlinkSync(file);
  await run('update-ca-certificates', []);
}
