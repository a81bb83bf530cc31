/**
 * Encrypted connections to a database store: the server's cert-manager Certificate, where
 * the server reads it, and what its clients are given to verify it (the CA from the same
 * Secret, mounted read-only, and the path to it). The data layer sits below `edge`, so the
 * issuer is taken by its shape (`TlsIssuer`): `CaIssuer`, `SelfSignedIssuer` and
 * `IssuerRef.issuer()/clusterIssuer()` of `edge` all fit it.
 */
import { Construct } from 'constructs';
import {
  Certificate as CertificateResource,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyEncoding,
  CertificateSpecPrivateKeyRotationPolicy,
  CertificateSpecUsages,
} from '../../imports/certificates-cert-manager.io';
import { describeValue } from '../core/describe-value';
import { checkDnsSubdomain } from '../core/naming';
import { requirePlatform } from '../core/platform-requirements';
import type { ValidationReport } from '../core/validation';
import type { ConnectionTls } from '../workloads/connectable';

/** A cert-manager issuer, as `edge`'s issuers describe themselves (IIssuer fits it). */
export interface TlsIssuer {
  /** `metadata.name` of the Issuer or ClusterIssuer. */
  readonly issuerName: string;
  readonly issuerKind: 'Issuer' | 'ClusterIssuer';
  /** The namespace of an Issuer the library renders. @default - the store's (an Issuer referenced by name) */
  readonly issuerNamespace?: string;
  /** `ca`, `self-signed`, `acme-production`, `acme-staging` or `unknown`. @default 'unknown' */
  readonly trust?: string;
  /** How messages name it. @default - kind and name */
  readonly describe?: string;
}

/** Encrypted connections to a PostgreSQL or MySQL store. */
export interface DatabaseTlsOptions {
  /**
   * Signs the server certificate: a private CA, e.g. `new CaIssuer(this, 'db-ca')` (one per
   * system and environment) or the platform's `IssuerRef.clusterIssuer('internal-ca', { trust: 'ca' })`.
   * It must write the CA certificate into the Secret's `ca.crt` (CA and self-signed issuers
   * do): the clients verify the server with it. ACME issuers sign public names only.
   */
  readonly issuer: TlsIssuer;
}

/** Where the server container reads its key pair and CA (the Certificate's Secret). */
export const SERVER_TLS_DIR = '/etc/db-tls';
/** Where a connected workload (and a backup Job) finds the CA of store `store`. */
export function clientCaDir(store: string): string {
  return `/etc/db-ca/${store}`;
}
/** The certificate's lifetime and renewal: cert-manager renews 30 days before expiry, so a failed renewal has weeks to be noticed. */
const DURATION = '2160h';
const RENEW_BEFORE = '720h';

/** What a store with TLS decided: its Secret and issuer. */
export interface StoreTlsPlan {
  readonly issuer: TlsIssuer;
  /** The Certificate's (and its Secret's) name: `<store>-tls`. */
  readonly secretName: string;
}

/** The plan for `tls` as given, or undefined without it (or when it is no object: reported by checkStoreTls). */
export function storeTlsPlan(store: string, tls: DatabaseTlsOptions | undefined): StoreTlsPlan | undefined {
  if (typeof tls !== 'object' || tls === null) return undefined;
  return { issuer: tls.issuer, secretName: `${store}-tls` };
}

/** The names a client inside the cluster may use for a Service: short, namespaced, `.svc` and the FQDN. */
export function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** Each `.svc` name with its `.svc.cluster.local` form too. */
export function withClusterDomain(names: readonly string[]): string[] {
  return names.flatMap((n) => (n.endsWith('.svc') ? [n, `${n}.cluster.local`] : [n]));
}

/**
 * The server's Certificate (cert-manager.io/v1), its Secret holding `tls.crt`, `tls.key` and
 * `ca.crt`. The key is ECDSA P-256 in PKCS#8 (PostgreSQL, MySQL 8.4, MariaDB and Go read
 * it), regenerated on every renewal. `loopback` adds `localhost` and 127.0.0.1: sidecars in
 * the server's pod (the exporters) reach it there and verify it like every other client.
 */
export function renderStoreCertificate(
  scope: Construct,
  plan: StoreTlsPlan,
  dnsNames: readonly string[],
  options: { readonly loopback: boolean; readonly secretLabels?: Readonly<Record<string, string>> },
): CertificateResource {
  requirePlatform(scope, { component: 'cert-manager', minVersion: '1.0.0', reason: 'cert-manager.io/v1 Certificate for the database server' });
  const names = [...new Set([...dnsNames, ...(options.loopback ? ['localhost'] : [])])];
  return new CertificateResource(scope, 'server-certificate', {
    metadata: { name: plan.secretName },
    spec: {
      secretName: plan.secretName,
      ...(options.secretLabels ? { secretTemplate: { labels: { ...options.secretLabels } } } : {}),
      issuerRef: { name: plan.issuer?.issuerName, kind: plan.issuer?.issuerKind, group: 'cert-manager.io' },
      dnsNames: names,
      ipAddresses: options.loopback ? ['127.0.0.1'] : undefined,
      duration: DURATION,
      renewBefore: RENEW_BEFORE,
      privateKey: {
        algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
        size: 256,
        encoding: CertificateSpecPrivateKeyEncoding.PKCS8,
        rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
      },
      usages: [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.SERVER_AUTH],
      revisionHistoryLimit: 3,
    },
  });
}

/**
 * The Secret as the server's volume: the key readable by the pod's group only (PostgreSQL
 * refuses a key file others can read; files of a Secret volume belong to root, group fsGroup).
 */
export function serverTlsVolume(plan: StoreTlsPlan): Record<string, unknown> {
  return {
    name: 'server-tls',
    secret: {
      secretName: plan.secretName,
      items: [
        { key: 'tls.crt', path: 'tls.crt', mode: 0o444 },
        { key: 'tls.key', path: 'tls.key', mode: 0o440 },
        { key: 'ca.crt', path: 'ca.crt', mode: 0o444 },
      ],
    },
  };
}

/** What a client of the store needs to verify it: the CA in the Secret, where it is mounted, and the engine's variables. */
export function clientTls(store: string, plan: StoreTlsPlan, env: Readonly<Record<string, string>>): ConnectionTls {
  return { caSecretName: plan.secretName, caKey: 'ca.crt', caFile: `${clientCaDir(store)}/ca.crt`, env };
}

/** Checks `tls` as given (props are not trusted at run time), reporting on `tls.*`. */
export function checkStoreTls(report: ValidationReport, tls: unknown, namespace: string): void {
  if (tls === undefined) return;
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
    report.error('store.tls.not-object', 'tls', `must be an object { issuer } (is ${describeValue(tls)})`);
    return;
  }
  const issuer = (tls as { issuer?: unknown }).issuer as Partial<TlsIssuer> | undefined;
  if (typeof issuer !== 'object' || issuer === null) {
    report.error(
      'store.tls.issuer-required',
      'tls.issuer',
      `is required (is ${describeValue(issuer)}): a cert-manager issuer of a private CA, e.g. new CaIssuer(this, 'db-ca') or IssuerRef.clusterIssuer('internal-ca', { trust: 'ca' })`,
    );
    return;
  }
  const reason = typeof issuer.issuerName === 'string' ? checkDnsSubdomain(issuer.issuerName) : 'must be a string';
  if (reason) report.error('store.tls.issuer-name', 'tls.issuer.issuerName', `${describeValue(issuer.issuerName)} ${reason}`);
  if (issuer.issuerKind !== 'Issuer' && issuer.issuerKind !== 'ClusterIssuer') {
    report.error('store.tls.issuer-kind', 'tls.issuer.issuerKind', `${describeValue(issuer.issuerKind)} must be 'Issuer' or 'ClusterIssuer'`);
  }
  const describe = issuer.describe ?? `${issuer.issuerKind} '${issuer.issuerName}'`;
  if (issuer.trust === 'acme-production' || issuer.trust === 'acme-staging') {
    report.error(
      'store.tls.issuer-acme',
      'tls.issuer',
      `${describe} is an ACME CA: it signs public DNS names only, not the store's in-cluster names, and writes no ca.crt for clients to verify with; use a private CA (CaIssuer, or IssuerRef with trust 'ca')`,
    );
  }
  if (issuer.issuerKind === 'Issuer' && issuer.issuerNamespace !== undefined && issuer.issuerNamespace !== namespace) {
    report.error(
      'store.tls.issuer-namespace',
      'tls.issuer',
      `${describe} is in namespace '${issuer.issuerNamespace}' and signs only there, not in '${namespace}'; use a ClusterIssuer`,
    );
  }
}
