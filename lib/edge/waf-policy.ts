/**
 * An endpoint's web application firewall, as stated in its policy: ModSecurity with the OWASP
 * Core Rule Set on ingress-nginx (lib/edge/modsecurity.ts renders it and holds the facts of the
 * pinned controller). Envoy Gateway and Traefik offer none this library can render.
 */
import type { EdgeController } from './ingress-controller';
import { parseQuantity } from '../core/quantity';
import type { ValidationReport } from '../core/validation';

/**
 * A web application firewall in front of the routes: ModSecurity with the OWASP Core Rule Set
 * on ingress-nginx (see lib/edge/modsecurity.ts for the facts of the pinned controller). The
 * controller holds one ModSecurity configuration for every host it serves (its ConfigMap), so
 * every endpoint of an environment served by the same controller must ask for the same
 * settings: the platform layer reports a conflict otherwise.
 */
export interface EdgeWaf {
  /**
   * `detect` logs what the rules find (ModSecurity `SecRuleEngine DetectionOnly`, the
   * controller's shipped default); `block` refuses a request whose anomaly score reaches the
   * threshold with 403 (`SecRuleEngine On`). Run `detect` first, read the audit log for false
   * positives, then `block`.
   */
  readonly mode: 'block' | 'detect';
  /**
   * The Core Rule Set's paranoia level (`tx.blocking_paranoia_level`), 1 to 4: higher finds
   * more, and refuses more legitimate requests. @default 1
   */
  readonly paranoiaLevel?: number;
  /** The inbound anomaly score that refuses a request (`tx.inbound_anomaly_score_threshold`): one critical finding scores 5. @default 5 */
  readonly inboundAnomalyThreshold?: number;
  /** The outbound anomaly score that refuses a response (`tx.outbound_anomaly_score_threshold`). @default 4 */
  readonly outboundAnomalyThreshold?: number;
  /**
   * In `block` mode, alert (`WafRefusalsHigh`, a Loki ruler rule over the controller's log) when
   * the WAF refuses more requests a minute to the route's host than this, over 5 minutes; `false`
   * for no alert. Needs the profile's central logs. @default 10
   */
  readonly alertRefusalsPerMinute?: number | false;
}

/** The default of EdgeWaf.alertRefusalsPerMinute: above the steady noise of scanners on a public host. */
export const DEFAULT_WAF_ALERT_PER_MINUTE = 10;

/** The defaults of EdgeWaf (the Core Rule Set's own, REQUEST-901-INITIALIZATION.conf of CRS v4.22.0). */
export const DEFAULT_WAF = { paranoiaLevel: 1, inboundAnomalyThreshold: 5, outboundAnomalyThreshold: 4 } as const;

/**
 * The largest request body ModSecurity reads (`SecRequestBodyLimit` of its recommended
 * configuration, 12.5 MiB); a larger one is refused with 403 in `block` mode.
 */
export const MODSECURITY_BODY_LIMIT = 13_107_200;

export function checkWaf(
  report: ValidationReport,
  waf: EdgeWaf,
  controller: EdgeController,
  edge: string,
  prefix: string,
  maxBodySize?: string,
): void {
  const field = `${prefix}.waf`;
  if (typeof waf !== 'object' || waf === null) {
    report.error('edge-policy.waf.object', field, `must be an object such as { mode: 'detect' } (to inspect nothing, leave waf out)`);
    return;
  }
  if (controller !== 'nginx') {
    report.error(
      'edge-policy.waf.edge-unsupported',
      field,
      controller === 'gateway'
        ? `${edge} has no web application firewall of its own: it (v1.9.0) would run one as a Wasm module (EnvoyExtensionPolicy spec.wasm, code from an OCI image or an HTTP URL, e.g. Coraza), an artifact this library neither builds nor pins; serve the endpoint with ingress-nginx (ModSecurity) or leave waf out`
        : `${edge} has no web application firewall of its own (only third-party plugins fetched at start-up); serve the endpoint with ingress-nginx (ModSecurity) or leave waf out`,
    );
  }
  if (waf.mode !== 'block' && waf.mode !== 'detect')
    report.error('edge-policy.waf.mode', `${field}.mode`, `'${String(waf.mode)}' must be 'detect' (log findings) or 'block' (refuse with 403)`);
  const whole = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  if (waf.paranoiaLevel !== undefined && !whole(waf.paranoiaLevel, 1, 4))
    report.error(
      'edge-policy.waf.paranoia-level',
      `${field}.paranoiaLevel`,
      `${String(waf.paranoiaLevel)} must be a whole number from 1 to 4 (the Core Rule Set's paranoia levels)`,
    );
  for (const name of ['inboundAnomalyThreshold', 'outboundAnomalyThreshold'] as const) {
    const value = waf[name];
    if (value !== undefined && !whole(value, 1, 10_000))
      report.error(
        'edge-policy.waf.anomaly-threshold',
        `${field}.${name}`,
        `${String(value)} must be a whole anomaly score of at least 1 (the Core Rule Set's default: ${DEFAULT_WAF[name]})`,
      );
  }
  const bodyBytes = maxBodySize === undefined ? undefined : parseQuantity(maxBodySize);
  if (waf.mode === 'block' && bodyBytes !== undefined && bodyBytes > MODSECURITY_BODY_LIMIT)
    report.error(
      'edge-policy.waf.body-limit',
      `${prefix}.maxBodySize`,
      `'${maxBodySize}' is more than ModSecurity reads (SecRequestBodyLimit, ${MODSECURITY_BODY_LIMIT} bytes): in block mode it refuses larger bodies with 403; use at most 12.5Mi, or detect`,
    );
  const alert = waf.alertRefusalsPerMinute;
  if (alert !== undefined && alert !== false && !(typeof alert === 'number' && Number.isFinite(alert) && alert > 0))
    report.error(
      'edge-policy.waf.alert-refusals-per-minute',
      `${field}.alertRefusalsPerMinute`,
      `${String(alert)} must be a number of refusals a minute greater than 0, or false for no alert (default ${DEFAULT_WAF_ALERT_PER_MINUTE})`,
    );
}
