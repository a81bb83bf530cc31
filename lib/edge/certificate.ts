import { Construct } from 'constructs';
import {
  Certificate as CertificateResource,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyEncoding,
  CertificateSpecPrivateKeyRotationPolicy,
  CertificateSpecUsages,
} from '../../imports/certificates-cert-manager.io';
import { markComponent } from '../core/component';
import { checkDnsSubdomain } from '../core/naming';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import type { Workload } from '../workloads/workload';
import { checkIssuerForEnvironment, IIssuer, issuerRefOf } from './issuer';
import { checkIngressHost } from './names';
import { Duration, durationSeconds, formatSeconds, goDuration } from '../core/duration';
import { arrayOrEmpty, checkProps } from '../core/prop-check';
import { requirePlatform } from '../core/platform-requirements';

export type KeyAlgorithm = 'ECDSA' | 'RSA' | 'Ed25519';

export interface CertificateProps {
  /** Who signs it. In-cluster names need a private CA (CaIssuer); ACME CAs only sign public names. */
  readonly issuer: IIssuer;
  /**
   * The workload whose Service the certificate is for: adds `<name>`, `<name>.<ns>`,
   * `<name>.<ns>.svc` and `<name>.<ns>.svc.cluster.local`, the names clients use.
   * @default - none
   */
  readonly service?: Workload;
  /** Further DNS names. @default - none */
  readonly dnsNames?: readonly string[];
  /** Object name. @default - the construct id */
  readonly name?: string;
  /** Secret the key pair and chain are written to (`tls.crt`, `tls.key`, `ca.crt`). @default `<name>-tls` */
  readonly secretName?: string;
  /** Requested lifetime. @default Duration.days(90) */
  readonly duration?: Duration;
  /** Renew this long before expiry. @default Duration.days(30) (a failed renewal has weeks to be noticed) */
  readonly renewBefore?: Duration;
  /** Private key algorithm. @default 'ECDSA' (P-256: small, fast, supported by every current TLS stack) */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Encoding of `tls.key`. @default 'PKCS8' (what Java and most libraries read; PKCS1 is RSA/EC-specific) */
  readonly keyEncoding?: 'PKCS1' | 'PKCS8';
  /** Also usable as a client certificate (mutual TLS). @default false */
  readonly clientAuth?: boolean;
  /** A CA certificate that signs others (the root of a CaIssuer). @default false */
  readonly isCa?: boolean;
  /** Subject common name; clients ignore it when DNS names are set. @default - none */
  readonly commonName?: string;
  /** Accept an ACME issuer that does not fit the environment. @default false */
  readonly allowEnvironmentMismatch?: boolean;
}

const MIN_DURATION = 3600;
const MIN_RENEW_BEFORE = 300;

/**
 * A cert-manager Certificate (cert-manager.io/v1) for in-cluster TLS, e.g. a database
 * that serves TLS to its clients. The private key is regenerated on every renewal
 * (`rotationPolicy: Always`), so a leaked key expires with its certificate.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Certificate extends Construct {
  public readonly name: string;
  public readonly secretName: string;
  public readonly dnsNames: readonly string[];
  public readonly issuer: IIssuer;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    checkProps(this, 'CertificateProps', props);
    const chart = SystemChart.of(this);
    this.issuer = props.issuer;
    this.name = props.name ?? id;
    this.secretName = props.secretName ?? `${this.name}-tls`;
    const serviceNames = props.service ? serviceDnsNames(props.service.name, props.service.namespaceName) : [];
    this.dnsNames = [...new Set([...serviceNames, ...arrayOrEmpty(props.dnsNames)])];
    const algorithm = props.keyAlgorithm ?? 'ECDSA';
    const duration: unknown = props.duration ?? Duration.days(90);
    const renewBefore: unknown = props.renewBefore ?? Duration.days(30);
    markComponent(this, { name: props.service?.name ?? this.name, component: 'certificate' });

    requirePlatform(this, { component: 'cert-manager', minVersion: '1.0.0', reason: 'cert-manager.io/v1 Certificate (privateKey.rotationPolicy)' });
    new CertificateResource(this, 'resource', {
      metadata: { name: this.name },
      spec: {
        secretName: this.secretName,
        issuerRef: issuerRefOf(props.issuer),
        commonName: props.commonName,
        dnsNames: this.dnsNames.length > 0 ? [...this.dnsNames] : undefined,
        duration: goSpelling(duration),
        renewBefore: goSpelling(renewBefore),
        isCa: props.isCa ? true : undefined,
        privateKey: {
          algorithm: KEY_ALGORITHMS[algorithm],
          size: algorithm === 'ECDSA' ? 256 : algorithm === 'RSA' ? 3072 : undefined,
          encoding: props.keyEncoding === 'PKCS1' ? CertificateSpecPrivateKeyEncoding.PKCS1 : CertificateSpecPrivateKeyEncoding.PKCS8,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
        usages: usagesOf(props, algorithm),
        // Old CertificateRequests are only history; keep a few for debugging.
        revisionHistoryLimit: 3,
      },
    });

    addCheck(this, (report) => {
      const nameReason = checkDnsSubdomain(this.name);
      if (nameReason)
        report.error(
          'certificate.value.becomes-object',
          props.name === undefined ? 'id' : 'name',
          `'${this.name}' ${nameReason} (it becomes the object name)`,
        );
      const secretReason = checkDnsSubdomain(this.secretName);
      if (secretReason) report.error('certificate.secret-name', 'secretName', `'${this.secretName}' ${secretReason}`);
      if (this.dnsNames.length === 0 && !props.isCa)
        report.error('certificate.dns-names.certificate-needs', 'dnsNames', 'a certificate needs at least one DNS name: set service or dnsNames');
      if (props.isCa && !props.commonName)
        report.error('certificate.common-name', 'commonName', 'a CA certificate needs a common name; it names the CA to whoever trusts it');
      (props.dnsNames ?? []).forEach((name, i) => {
        const reason = checkIngressHost(name);
        if (reason) report.error('certificate.dns-names.invalid', `dnsNames[${i}]`, `'${name}' ${reason}`);
      });
      checkDurations(report, duration, renewBefore);
      checkIssuerScope(report, 'issuer', props.issuer, chart.namespaceName);
      const acme = props.issuer.trust === 'acme-production' || props.issuer.trust === 'acme-staging';
      if (acme) {
        const internal = this.dnsNames.filter(isInClusterName);
        if (internal.length > 0)
          report.error(
            'certificate.issuer',
            'issuer',
            `${props.issuer.describe} is an ACME CA, which only signs public DNS names; ${internal.map((n) => `'${n}'`).join(', ')} ${internal.length === 1 ? 'is' : 'are'} in-cluster: use a CaIssuer`,
          );
        if (props.isCa) report.error('certificate.is-ca', 'isCa', `${props.issuer.describe} is an ACME CA and does not sign CA certificates`);
        checkIssuerForEnvironment(report, 'issuer', props.issuer, chart.environment, { allowMismatch: props.allowEnvironmentMismatch });
      }
    });
  }
}

const KEY_ALGORITHMS: Record<KeyAlgorithm, CertificateSpecPrivateKeyAlgorithm> = {
  ECDSA: CertificateSpecPrivateKeyAlgorithm.ECDSA,
  RSA: CertificateSpecPrivateKeyAlgorithm.RSA,
  Ed25519: CertificateSpecPrivateKeyAlgorithm.ED25519,
};

function usagesOf(props: CertificateProps, algorithm: KeyAlgorithm): CertificateSpecUsages[] {
  if (props.isCa) return [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.CERT_SIGN, CertificateSpecUsages.CRL_SIGN];
  return [
    CertificateSpecUsages.DIGITAL_SIGNATURE,
    // Only RSA keys encipher keys (TLS 1.2 RSA key exchange); EC keys never do.
    ...(algorithm === 'RSA' ? [CertificateSpecUsages.KEY_ENCIPHERMENT] : []),
    CertificateSpecUsages.SERVER_AUTH,
    ...(props.clientAuth ? [CertificateSpecUsages.CLIENT_AUTH] : []),
  ];
}

/** The names a client inside the cluster may use for a Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

function isInClusterName(name: string): boolean {
  return !name.includes('.') || /\.svc$|\.svc\.cluster\.local$|\.cluster\.local$/.test(name);
}

/** A Duration as cert-manager reads it (`2160h`); anything else as it is (checkDurations reports it). */
function goSpelling(value: unknown): string {
  const seconds = durationSeconds(value);
  return typeof seconds === 'number' ? goDuration(seconds) : String(value);
}

/** Checks a duration/renewBefore pair against cert-manager's limits. */
export function checkDurations(report: ValidationReport, duration: unknown, renewBefore: unknown): void {
  const d = durationSeconds(duration, 'Duration.days(90)');
  const r = durationSeconds(renewBefore, 'Duration.days(30)');
  if (typeof d === 'string') report.error('certificate.duration.invalid', 'duration', d);
  else if (d < MIN_DURATION)
    report.error('certificate.duration.shorter-cert', 'duration', `${formatSeconds(d)} is shorter than cert-manager's minimum of 1h`);
  if (typeof r === 'string') report.error('certificate.renew-before.invalid', 'renewBefore', r);
  else if (r < MIN_RENEW_BEFORE)
    report.error('certificate.renew-before.shorter-cert', 'renewBefore', `${formatSeconds(r)} is shorter than cert-manager's minimum of 5m`);
  else if (typeof d === 'number' && r >= d)
    report.error(
      'certificate.renew-before.shorter-duration',
      'renewBefore',
      `${formatSeconds(r)} must be shorter than the duration ${formatSeconds(d)}, or the certificate is renewed continuously`,
    );
}

/** A namespaced Issuer signs only for its own namespace. */
export function checkIssuerScope(report: ValidationReport, field: string, issuer: IIssuer, namespace: string): void {
  if (issuer.issuerKind === 'Issuer' && issuer.issuerNamespace !== undefined && issuer.issuerNamespace !== namespace) {
    report.error(
      'certificate.value.namespace-signs',
      field,
      `${issuer.describe} is in namespace '${issuer.issuerNamespace}' and signs only there, not in '${namespace}'; use a ClusterIssuer (scope: 'cluster')`,
    );
  }
}
