/**
 * What certificates are signed by. A cert-manager issuer is either a ClusterIssuer
 * (usable from any namespace) or an Issuer (usable from its own namespace only). The
 * constructs in this folder (AcmeIssuer, SelfSignedIssuer, CaIssuer) implement IIssuer;
 * an issuer managed elsewhere is referenced by name with IssuerRef.
 */
import { IConstruct } from 'constructs';
import { Environment } from '../core/environment';
import { checkDnsSubdomain } from '../core/naming';
import { ValidationReport } from '../core/validation';
import { checkSecretKey } from './names';

export type IssuerKind = 'ClusterIssuer' | 'Issuer';

/**
 * Where an issuer's certificates come from, as far as the library knows; checked
 * against the environment (a production endpoint must not get staging certificates).
 */
export type IssuerTrust =
  /** A publicly trusted ACME CA (Let's Encrypt production). */
  | 'acme-production'
  /** An ACME staging CA: browsers do not trust its certificates. */
  | 'acme-staging'
  /** Certificates signed by their own key. */
  | 'self-signed'
  /** A private CA in the cluster. */
  | 'ca'
  /** Managed elsewhere; not checked. */
  | 'unknown';

/** A cert-manager issuer certificates can be requested from. */
export interface IIssuer {
  /** `metadata.name` of the ClusterIssuer or Issuer. */
  readonly issuerName: string;
  readonly issuerKind: IssuerKind;
  /** The namespace of an Issuer (it signs only there); undefined for a ClusterIssuer or an Issuer referenced by name. */
  readonly issuerNamespace?: string;
  readonly trust: IssuerTrust;
  /**
   * Set when the issuer answers ACME HTTP-01 challenges through an Ingress: cert-manager
   * then runs solver pods next to the Ingress that the controller must reach.
   */
  readonly http01?: {
    /** The IngressClass of the solver's Ingress, when known. */
    readonly ingressClassName?: string;
    /** The Gateway the solver's HTTPRoute attaches to (cert-manager's gatewayHTTPRoute solver), when known. */
    readonly gateway?: { readonly name: string; readonly namespace?: string };
  };
  /** Whether it can issue wildcard names (ACME needs DNS-01 for them); undefined when unknown. */
  readonly issuesWildcards?: boolean;
  /** How messages name the issuer. */
  readonly describe: string;
}

/** Options for an issuer referenced by name. */
export interface IssuerRefOptions {
  /** What it signs with, so the environment can be checked. @default 'unknown' (not checked) */
  readonly trust?: IssuerTrust;
  /**
   * Whether it solves ACME HTTP-01 challenges (endpoints then let the controller reach the
   * solver pods), and through which IngressClass.
   * @default - yes, through an unknown class, unless trust is 'self-signed' or 'ca'
   */
  readonly http01?: { readonly ingressClassName?: string } | false;
}

/** An issuer created outside this chart (by the platform team, or another system), by name.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class IssuerRef implements IIssuer {
  /** A ClusterIssuer, e.g. the platform's `letsencrypt-prod`. */
  public static clusterIssuer(name: string, options: IssuerRefOptions = {}): IIssuer {
    return new IssuerRef(name, 'ClusterIssuer', options);
  }

  /** An Issuer in the namespace of whatever uses it. */
  public static issuer(name: string, options: IssuerRefOptions = {}): IIssuer {
    return new IssuerRef(name, 'Issuer', options);
  }

  public readonly trust: IssuerTrust;
  public readonly http01?: { readonly ingressClassName?: string };
  public readonly describe: string;

  private constructor(
    public readonly issuerName: string,
    public readonly issuerKind: IssuerKind,
    options: IssuerRefOptions,
  ) {
    this.trust = options.trust ?? 'unknown';
    const privateCa = this.trust === 'self-signed' || this.trust === 'ca';
    this.http01 = options.http01 === false ? undefined : (options.http01 ?? (privateCa ? undefined : {}));
    this.describe = `${issuerKind} '${issuerName}'`;
  }
}

/** The annotation that asks cert-manager's ingress-shim for certificates from `issuer`. */
export function issuerAnnotation(issuer: IIssuer): Record<string, string> {
  // `?.`: a missing issuer is reported by the construct's prop check.
  return { [issuer?.issuerKind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer']: issuer?.issuerName };
}

/** An `issuerRef` of a Certificate. */
export function issuerRefOf(issuer: IIssuer): { name: string; kind: string; group: string } {
  return { name: issuer?.issuerName, kind: issuer?.issuerKind, group: 'cert-manager.io' };
}

/** A key of a Secret, by reference only: the value never passes through this repository. */
export interface SecretKeyReference {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Key within the Secret. */
  readonly key: string;
}

/** Checks a secret reference, reporting on `field`. */
export function checkSecretKeyReference(report: ValidationReport, field: string, ref: SecretKeyReference): void {
  const nameReason = checkDnsSubdomain(ref.secretName);
  if (nameReason) report.error('issuer.secret-name', `${field}.secretName`, `'${ref.secretName}' ${nameReason}`);
  const keyReason = checkSecretKey(ref.key);
  if (keyReason) report.error('issuer.key', `${field}.key`, `'${ref.key}' ${keyReason}`);
}

/** Whether the environment asks for publicly trusted (production ACME) certificates. */
function wantsProductionAcme(env: Environment): boolean {
  return env.isProduction || env.tls === 'acme-production';
}

/**
 * Checks that an issuer fits the environment: production never uses the ACME staging
 * endpoint (browsers reject its certificates), other environments never use the
 * production endpoint (its rate limits are for production: 50 certificates per domain
 * per week) unless the environment itself says `tls: 'acme-production'`. With
 * `publicEndpoint`, production also needs a publicly trusted issuer.
 */
export function checkIssuerForEnvironment(
  report: ValidationReport,
  field: string,
  issuer: IIssuer,
  env: Environment,
  options: { readonly allowMismatch?: boolean; readonly publicEndpoint?: boolean },
): void {
  if (options.allowMismatch) return;
  const hint = 'or set allowEnvironmentMismatch: true if this is deliberate';
  if (issuer.trust === 'acme-staging' && wantsProductionAcme(env)) {
    report.error(
      'issuer.value.uses-acme',
      field,
      `${issuer.describe} uses the ACME staging endpoint in ${env.name}, whose certificates browsers do not trust; use the production endpoint (${hint})`,
    );
  } else if (issuer.trust === 'acme-production' && !wantsProductionAcme(env)) {
    report.error(
      'issuer.value.uses-acme-production',
      field,
      `${issuer.describe} uses the ACME production endpoint in ${env.name} (environment tls: '${env.tls}'); non-production environments use the staging endpoint so they do not spend production rate limits (${hint})`,
    );
  } else if (options.publicEndpoint && env.isProduction && (issuer.trust === 'self-signed' || issuer.trust === 'ca')) {
    report.error(
      'issuer.value.signs-private',
      field,
      `${issuer.describe} signs with a private key browsers do not trust; a public endpoint in prod needs an ACME production issuer (${hint})`,
    );
  }
}

/**
 * Cluster-scoped names must be unique across every system of an environment: each
 * environment is its own cluster (one profile each), so the same name in dev and prod is two
 * objects, not one. The value recorded is the name and the environment.
 */
const CLUSTER_ISSUERS = Symbol.for('cdk8s-stacks.edge.ClusterIssuerName');

/** Records that `construct` declares the ClusterIssuer `name` in the cluster of `environment`. */
export function registerClusterIssuer(construct: IConstruct, name: string, environment: string | undefined): void {
  Object.defineProperty(construct, CLUSTER_ISSUERS, { value: `${environment}\u0000${name}` });
}

/** The other constructs of the app that declare a ClusterIssuer called `name` in the same environment. */
export function otherClusterIssuers(construct: IConstruct, name: string, environment: string | undefined): IConstruct[] {
  const key = `${environment}\u0000${name}`;
  return construct.node.root.node.findAll().filter((c) => c !== construct && (c as unknown as Record<symbol, unknown>)[CLUSTER_ISSUERS] === key);
}
