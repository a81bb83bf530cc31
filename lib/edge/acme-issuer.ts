import { Construct } from 'constructs';
import { ClusterIssuerSpecAcmeSolvers, ClusterIssuerSpecAcmeSolversDns01 } from '../../imports/clusterissuers-cert-manager.io';
import { ValidationReport } from '../core/validation';
import { CertManagerIssuer, CertManagerIssuerProps } from './cert-manager-issuer';
import { requirePlatform } from '../core/platform-requirements';
import { DEFAULT_INGRESS_CLASS, IngressController } from './ingress-controller';
import { HTTP_LISTENER } from './gateway-routes';
import { SYSTEM_GATEWAY_NAME } from './system-gateway';
import { checkIssuerForEnvironment, checkSecretKeyReference, IssuerTrust, SecretKeyReference } from './issuer';
import { checkDnsSubdomain } from '../core/naming';
import { checkEmail, checkIngressHost } from './names';
import { checkProps } from '../core/prop-check';

/** Let's Encrypt's production directory: publicly trusted certificates, strict rate limits. */
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt's staging directory: untrusted certificates, generous rate limits, for testing. */
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** Answering HTTP-01 challenges through an Ingress of the cluster's controller, or an HTTPRoute on a Gateway. */
export interface AcmeHttp01Options {
  /** The controller that serves the challenge paths. @default - the cluster profile's default edge ('nginx' unless it is a Gateway) */
  readonly controller?: IngressController;
  /** Its IngressClass. @default - the controller's class in the cluster profile ('nginx' or 'traefik' unless it says otherwise) */
  readonly ingressClassName?: string;
  /**
   * The Gateway whose HTTP listener serves the challenge paths (cert-manager's
   * `gatewayHTTPRoute` solver; cert-manager >= 1.15 with `config.enableGatewayAPI`).
   * @default - when the profile's default edge is a Gateway: its shared Gateway, or the system's own
   */
  readonly gateway?: { readonly name: string; readonly namespace: string };
}

export interface CloudflareDns01Props {
  /** The Cloudflare API token (Zone:DNS:Edit), by reference. */
  readonly apiToken: SecretKeyReference;
  /** Only names in these zones use this solver. @default - every name */
  readonly dnsZones?: readonly string[];
}

export interface Route53Dns01Props {
  /** AWS region used to sign requests. @default - the cert-manager controller's AWS_REGION */
  readonly region?: string;
  /** The hosted zone to manage, which saves a lookup by name. @default - looked up by name */
  readonly hostedZoneId?: string;
  /** Access key id, by reference. @default - ambient credentials (IRSA, EKS Pod Identity, instance profile) */
  readonly accessKeyId?: SecretKeyReference;
  /** Secret access key, by reference; required with accessKeyId. @default - ambient credentials */
  readonly secretAccessKey?: SecretKeyReference;
  /** IAM role ARN to assume. @default - none */
  readonly role?: string;
  /** Only names in these zones use this solver. @default - every name */
  readonly dnsZones?: readonly string[];
}

/**
 * Answering DNS-01 challenges by writing TXT records through a DNS provider's API: the
 * only way to get wildcard certificates, and it works for hosts the internet cannot reach.
 * Credentials are always Secret references; a ClusterIssuer reads them from cert-manager's
 * own namespace, an Issuer from the system's namespace.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class Dns01Solver {
  public static cloudflare(props: CloudflareDns01Props): Dns01Solver {
    return new Dns01Solver(
      'cloudflare',
      { cloudflare: { apiTokenSecretRef: { name: props.apiToken.secretName, key: props.apiToken.key } } },
      props.dnsZones,
      (report) => checkSecretKeyReference(report, 'dns01.apiToken', props.apiToken),
    );
  }

  public static route53(props: Route53Dns01Props): Dns01Solver {
    return new Dns01Solver(
      'route53',
      {
        route53: {
          region: props.region,
          hostedZoneId: props.hostedZoneId,
          role: props.role,
          accessKeyIdSecretRef: props.accessKeyId ? { name: props.accessKeyId.secretName, key: props.accessKeyId.key } : undefined,
          secretAccessKeySecretRef: props.secretAccessKey ? { name: props.secretAccessKey.secretName, key: props.secretAccessKey.key } : undefined,
        },
      },
      props.dnsZones,
      (report) => {
        if (props.accessKeyId) checkSecretKeyReference(report, 'dns01.accessKeyId', props.accessKeyId);
        if (props.secretAccessKey) checkSecretKeyReference(report, 'dns01.secretAccessKey', props.secretAccessKey);
        if ((props.accessKeyId === undefined) !== (props.secretAccessKey === undefined)) {
          report.error(
            'acme-issuer.value',
            props.accessKeyId ? 'dns01.secretAccessKey' : 'dns01.accessKeyId',
            'set accessKeyId and secretAccessKey together, or neither (ambient credentials)',
          );
        }
        if (props.role !== undefined && !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/.test(props.role))
          report.error('acme-issuer.dns01.role', 'dns01.role', `'${props.role}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
        if (props.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-[0-9]$/.test(props.region))
          report.error('acme-issuer.dns01.region', 'dns01.region', `'${props.region}' is not an AWS region (e.g. eu-west-1)`);
        if (props.hostedZoneId !== undefined && !/^Z[A-Z0-9]{1,31}$/.test(props.hostedZoneId))
          report.error('acme-issuer.dns01.hosted-zone-id', 'dns01.hostedZoneId', `'${props.hostedZoneId}' is not a Route53 hosted zone id (Z...)`);
      },
    );
  }

  private constructor(
    /** The provider, for messages. */
    public readonly provider: string,
    /** The cert-manager solver configuration. */
    public readonly config: ClusterIssuerSpecAcmeSolversDns01,
    /** The zones it is limited to. */
    public readonly dnsZones: readonly string[] | undefined,
    private readonly checkCredentials: (report: ValidationReport) => void,
  ) {}

  /** Checks credentials and zones, reporting on `dns01.*`. */
  public validate(report: ValidationReport): void {
    this.checkCredentials(report);
    (this.dnsZones ?? []).forEach((zone, i) => {
      const reason = checkIngressHost(zone);
      if (reason || zone.startsWith('*.'))
        report.error('acme-issuer.dns01.dns-zones.invalid', `dns01.dnsZones[${i}]`, `'${zone}' ${reason ?? 'must be a zone name, not a wildcard'}`);
    });
  }
}

export interface AcmeIssuerProps extends CertManagerIssuerProps {
  /**
   * Contact address for the ACME account: expiry warnings and policy notices go there.
   * Required; Let's Encrypt refuses reserved domains such as example.com.
   */
  readonly email: string;
  /**
   * ACME directory URL.
   * @default - LETS_ENCRYPT_PRODUCTION in prod or when the environment's tls is
   * 'acme-production'; LETS_ENCRYPT_STAGING otherwise
   */
  readonly server?: string;
  /** Secret where cert-manager keeps the ACME account's private key. @default `<name>-account-key` */
  readonly accountKeySecretName?: string;
  /**
   * HTTP-01 challenges through an Ingress of this class, or `false`.
   * @default - HTTP-01 through ingress-nginx's class, unless dns01 is set
   */
  readonly http01?: AcmeHttp01Options | false;
  /** DNS-01 challenges through a DNS provider. @default - none */
  readonly dns01?: Dns01Solver;
  /**
   * Accept an endpoint that does not fit the environment (staging ACME in prod, production
   * ACME elsewhere).
   * @default false
   */
  readonly allowEnvironmentMismatch?: boolean;
}

/**
 * An ACME issuer (Let's Encrypt by default): a cert-manager ClusterIssuer or Issuer with
 * the endpoint chosen by the environment, a contact address, the account key's Secret and
 * the challenge solvers. The HTTP-01 solver is bound to an IngressClass
 * (`ingressClassName`, not the deprecated class annotation) and its Service is ClusterIP,
 * so solving a challenge opens no NodePort on every node.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class AcmeIssuer extends CertManagerIssuer {
  public readonly trust: IssuerTrust;
  public readonly server: string;
  public readonly http01?: { readonly ingressClassName?: string; readonly gateway?: { readonly name: string; readonly namespace: string } };
  public readonly issuesWildcards: boolean;
  public readonly accountKeySecretName: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AcmeIssuerProps,
  ) {
    super(scope, id, props, 'certificate-issuer');
    checkProps(this, 'AcmeIssuerProps', props);
    const env = this.chart.environment;
    this.server = props.server ?? (env.isProduction || env.tls === 'acme-production' ? LETS_ENCRYPT_PRODUCTION : LETS_ENCRYPT_STAGING);
    this.trust = isStagingServer(this.server) ? 'acme-staging' : 'acme-production';
    this.accountKeySecretName = props.accountKeySecretName ?? `${this.issuerName}-account-key`;
    const http01 = props.http01 ?? (props.dns01 ? false : {});
    const edge = env?.platform?.edge;
    const onGateway =
      http01 !== false &&
      (http01.gateway !== undefined || (http01.controller === undefined && http01.ingressClassName === undefined && edge?.default === 'gateway'));
    if (http01 === false) this.http01 = undefined;
    else if (onGateway) {
      const shared = edge?.gateway?.sharedGateway;
      this.http01 = { gateway: http01.gateway ?? (shared ? { ...shared } : { name: SYSTEM_GATEWAY_NAME, namespace: this.chart.namespaceName }) };
    } else {
      const controller = http01.controller ?? (edge?.default === 'traefik' ? 'traefik' : 'nginx');
      const profileClass = controller === 'nginx' ? edge?.ingressNginx?.ingressClassName : edge?.traefik?.ingressClassName;
      this.http01 = { ingressClassName: http01.ingressClassName ?? profileClass ?? DEFAULT_INGRESS_CLASS[controller] };
    }
    this.issuesWildcards = props.dns01 !== undefined;

    const solvers: ClusterIssuerSpecAcmeSolvers[] = [];
    const gateway = this.http01?.gateway;
    if (gateway) {
      solvers.push({
        http01: {
          gatewayHttpRoute: {
            parentRefs: [
              {
                group: 'gateway.networking.k8s.io',
                kind: 'Gateway',
                name: gateway.name,
                namespace: gateway.namespace,
                // The system's own Gateway's HTTP listener by name; any other Gateway's by port.
                ...(http01 !== false && http01.gateway === undefined && !edge?.gateway?.sharedGateway
                  ? { sectionName: HTTP_LISTENER }
                  : { port: 80 }),
              },
            ],
          },
        },
      });
      requirePlatform(this, {
        component: 'cert-manager',
        minVersion: '1.15.0',
        reason: 'ACME HTTP-01 through the gatewayHTTPRoute solver, enabled by config.enableGatewayAPI (before 1.15: an alpha feature gate)',
        settings: { 'config.enableGatewayAPI': ['true'] },
      });
    } else if (this.http01) {
      requirePlatform(this, {
        component: 'cert-manager',
        minVersion: '1.12.0',
        reason: 'ACME HTTP-01 solver `ingress.ingressClassName` (first in cert-manager v1.12.0)',
      });
      solvers.push({ http01: { ingress: { ingressClassName: this.http01.ingressClassName, serviceType: 'ClusterIP' } } });
    }
    if (props.dns01) {
      const zones = props.dns01.dnsZones;
      solvers.push({ dns01: props.dns01.config, selector: zones && zones.length > 0 ? { dnsZones: [...zones] } : undefined });
    }
    this.renderIssuer({
      acme: {
        server: this.server,
        email: props.email,
        privateKeySecretRef: { name: this.accountKeySecretName },
        solvers,
      },
    });
  }

  protected validateIssuer(report: ValidationReport): void {
    super.validateIssuer(report);
    const p = this.props;
    if (typeof p.email !== 'string' || p.email.trim() === '') {
      report.error(
        'acme-issuer.email.required-acme',
        'email',
        'required: the ACME account needs a contact address for expiry and revocation notices',
      );
    } else {
      const reason = checkEmail(p.email);
      if (reason) report.error('acme-issuer.email.invalid', 'email', reason);
    }
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(this.server))
      report.error('acme-issuer.server', 'server', `'${this.server}' must be an https:// ACME directory URL`);
    checkIssuerForEnvironment(report, 'server', this, this.chart.environment, { allowMismatch: p.allowEnvironmentMismatch });
    // A derived name is wrong only when the issuer's name is, which is reported already.
    const secretReason = p.accountKeySecretName === undefined ? undefined : checkDnsSubdomain(p.accountKeySecretName);
    if (secretReason) report.error('acme-issuer.account-key-secret-name', 'accountKeySecretName', `'${this.accountKeySecretName}' ${secretReason}`);
    if (!this.http01 && !p.dns01) report.error('acme-issuer.http01', 'http01', 'an ACME issuer needs a challenge solver: keep http01 or set dns01');
    if (this.http01 && p.dns01 && (p.dns01.dnsZones ?? []).length === 0) {
      report.error(
        'acme-issuer.dns01.dns-zones.both-http',
        'dns01.dnsZones',
        'with both HTTP-01 and DNS-01, list the zones DNS-01 is for; otherwise cert-manager cannot tell which solver a name uses',
      );
    }
    if (this.http01?.ingressClassName !== undefined) {
      const reason = checkDnsSubdomain(this.http01.ingressClassName);
      if (reason) report.error('acme-issuer.http01.ingress-class-name', 'http01.ingressClassName', `'${this.http01.ingressClassName}' ${reason}`);
    }
    p.dns01?.validate(report);
  }
}

/** Whether an ACME directory is a staging (untrusted) one. */
export function isStagingServer(server: string): boolean {
  return server === LETS_ENCRYPT_STAGING || /staging/i.test(server);
}
