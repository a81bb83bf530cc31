/**
 * Certificates for the TLS engine tests, made with openssl the way cert-manager's CA issuer
 * makes them from the store's Certificate: an ECDSA P-256 key in PKCS#8 (`privateKey` of the
 * rendered Certificate), the Certificate's DNS names and IP addresses as subject alternative
 * names, server auth, signed by a CA; written as the Secret holds them (`tls.crt`, `tls.key`,
 * `ca.crt`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { IS_ROOT, Json, mustRun, run } from './support';

export interface TestCa {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
}

/** A self-signed root CA in `dir` (what CaIssuer bootstraps). */
export function makeCa(dir: string, name: string): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, 'ca.key');
  const cert = path.join(dir, 'ca.crt');
  mustRun('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  mustRun('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-sha256',
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    cert,
  ]);
  return { dir, cert, key };
}

/** The subject alternative names of a rendered cert-manager Certificate. */
export function subjectAltNames(certificate: Json): string {
  const dns: string[] = certificate.spec.dnsNames ?? [];
  const ips: string[] = certificate.spec.ipAddresses ?? [];
  return [...dns.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
}

/**
 * The server's key pair signed by `ca` for `sans`, written into `dir` as the Secret's files. The
 * key as a Secret volume presents it: owned by root, readable by the pod's group (fsGroup)
 * only, which is the server's group here; without root, owned by the server's user, mode 0600.
 */
export function writeServerSecret(dir: string, ca: TestCa, sans: string, serverGid: number, serverUid: number): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), 'csr-'));
  const key = path.join(work, 'tls.key');
  const csr = path.join(work, 'tls.csr');
  const cert = path.join(work, 'tls.crt');
  mustRun('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  mustRun('openssl', ['req', '-new', '-key', key, '-subj', '/CN=database', '-out', csr]);
  const ext = path.join(work, 'ext.cnf');
  fs.writeFileSync(ext, `subjectAltName=${sans}\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  mustRun('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '30',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  // Replaced as the kubelet replaces a Secret volume's files: whole files, never rewritten in place.
  const put = (name: string, from: string, mode: number, owner: [number, number]) => {
    const tmp = path.join(dir, `.${name}.new`);
    fs.copyFileSync(from, tmp);
    fs.chmodSync(tmp, mode);
    if (IS_ROOT) fs.chownSync(tmp, owner[0], owner[1]);
    fs.renameSync(tmp, path.join(dir, name));
  };
  put('tls.crt', cert, 0o444, [0, 0]);
  put('ca.crt', ca.cert, 0o444, [0, 0]);
  put('tls.key', key, IS_ROOT ? 0o440 : 0o600, IS_ROOT ? [0, serverGid] : [serverUid, serverGid]);
  fs.rmSync(work, { recursive: true, force: true });
}

/** The serial number of the certificate the server on `port` presents after STARTTLS (`postgres` or `mysql`). */
export function servedSerial(protocol: 'postgres' | 'mysql', port: number): string {
  const r = run(
    'sh',
    ['-c', `openssl s_client -starttls ${protocol} -connect 127.0.0.1:${port} </dev/null 2>/dev/null | openssl x509 -noout -serial`],
    {
      timeoutMs: 20_000,
    },
  );
  return r.stdout.trim();
}

/** The serial number of a certificate file. */
export function fileSerial(file: string): string {
  return mustRun('openssl', ['x509', '-noout', '-serial', '-in', file]).trim();
}

/**
 * Whether the server on `port` presents a certificate that `caFile` verifies for `host`
 * (openssl's own check, independent of the database client).
 */
export function verifiesFor(protocol: 'postgres' | 'mysql', port: number, caFile: string, host: string): RunResult2 {
  const r = run(
    'sh',
    [
      '-c',
      `openssl s_client -starttls ${protocol} -connect 127.0.0.1:${port} -CAfile '${caFile}' -verify_hostname '${host}' -verify_return_error </dev/null`,
    ],
    { timeoutMs: 20_000 },
  );
  return { ok: r.status === 0 && /Verify return code: 0 \(ok\)/.test(r.stdout), output: `${r.stdout}\n${r.stderr}` };
}

export interface RunResult2 {
  readonly ok: boolean;
  readonly output: string;
}
