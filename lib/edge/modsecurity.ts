/**
 * ModSecurity with the OWASP Core Rule Set on ingress-nginx: the controller-wide half of an
 * endpoint's `policy.waf` (the per-Ingress half is the `enable-modsecurity` annotation, see
 * nginxPolicyAnnotations).
 *
 * Facts of the pinned controller (kubernetes/ingress-nginx, tag controller-v1.15.1, the image
 * of chart 4.15.1):
 * - ConfigMap keys `enable-modsecurity`, `enable-owasp-modsecurity-crs`, `modsecurity-snippet`
 *   (docs/user-guide/nginx-configuration/configmap.md). With `enable-modsecurity` the http
 *   block gets `modsecurity on;` for every host, then the snippet in place of the shipped
 *   /etc/nginx/modsecurity/modsecurity.conf, then the Core Rule Set
 *   (rootfs/etc/nginx/template/nginx.tmpl). A location annotated `enable-modsecurity: "false"`
 *   gets `modsecurity off;` (buildModSecurityForLocation in internal/ingress/controller/template/template.go).
 * - Annotation risks (internal/ingress/annotations/modsecurity/main.go): `enable-modsecurity` and
 *   `enable-owasp-core-rules` Low, `modsecurity-transaction-id` High, `modsecurity-snippet`
 *   Critical. The controller refuses Critical at its default `annotations-risk-level` (High) and
 *   snippets unless `allow-snippet-annotations` (default false): so the rules live in the
 *   ConfigMap, written by the platform layer, and the Ingresses carry only the Low switch.
 * - The image still ships ModSecurity: NGINX_BASE is ingress-nginx/nginx v2.2.8, built by
 *   images/nginx/rootfs/build.sh with libmodsecurity v3.0.14, ModSecurity-nginx v1.0.4 and CRS
 *   v4.22.0 (/etc/nginx/owasp-modsecurity-crs/nginx-modsecurity.conf includes crs-setup.conf,
 *   whose paranoia and threshold SecActions 900000 and 900110 are commented out).
 * - The shipped modsecurity.conf is ModSecurity's modsecurity.conf-recommended:
 *   `SecRuleEngine DetectionOnly`, audit log `Concurrent` into files under /var/log/audit/
 *   (build.sh), which no log collector reads. So `block` must say `SecRuleEngine On`, and the
 *   audit log is sent to stdout (JSON), which Alloy ships to Loki with the controller's logs.
 * - ModSecurity-nginx logs rule findings at nginx level `info` (below the controller's default
 *   `error-log-level` notice) and only refusals at `error`: in `detect` mode the audit log is the
 *   only record of what the rules found.
 */
import type { DeclaredRequirement } from '../core/platform-requirements';
import type { ErrorId } from '../core/validation';
import { DEFAULT_WAF, EdgeWaf, MODSECURITY_BODY_LIMIT } from './waf-policy';

/** The controller release whose image the facts above are read from (chart 4.15.1). */
export const MODSECURITY_MIN_VERSION = '1.15.1';

const ENGINE = { block: 'On', detect: 'DetectionOnly' } as const;

/** The ConfigMap key of the rules; two endpoints asking for different ones are a conflict of the platform plan. */
export const MODSECURITY_SNIPPET = 'modsecurity-snippet';

/** What one endpoint's WAF needs from the controller: ConfigMap keys, as platform requirement settings. */
export function wafSettings(waf: EdgeWaf): Record<string, string[]> {
  return {
    'enable-modsecurity': ['true'],
    'enable-owasp-modsecurity-crs': ['true'],
    [MODSECURITY_SNIPPET]: [modsecuritySnippet(waf)],
  };
}

/**
 * The controller's `modsecurity-snippet` for a WAF. It replaces the shipped modsecurity.conf,
 * so it includes that file first (request body access and limits, the body processor rules)
 * and overrides what must differ. nginx.tmpl wraps it in `modsecurity_rules '...'`: it holds
 * no single quote. The Core Rule Set settings come before the rule set (the template loads it
 * after the snippet), where REQUEST-901-INITIALIZATION.conf keeps values already set.
 */
export function modsecuritySnippet(waf: EdgeWaf): string {
  const w = { ...DEFAULT_WAF, ...Object.fromEntries(Object.entries(waf).filter(([, v]) => v !== undefined)) } as Required<EdgeWaf>;
  return [
    '# cdk8s-stacks: written from the endpoints policy.waf (lib/edge/modsecurity.ts).',
    'Include /etc/nginx/modsecurity/modsecurity.conf',
    `SecRuleEngine ${ENGINE[w.mode]}`,
    // The recommended 131072 would refuse (400) JSON, XML and form bodies above 128 KiB that the
    // endpoint's maxBodySize admits: the body size limit stays nginx's (proxy-body-size).
    `SecRequestBodyNoFilesLimit ${MODSECURITY_BODY_LIMIT}`,
    // Audit: what the rules found, as JSON on stdout (the log collector reads it). Parts A, H, Z:
    // client, host, method, URI, transaction id and the findings; never headers or bodies,
    // which carry credentials and personal data.
    'SecAuditEngine RelevantOnly',
    'SecAuditLogParts AHZ',
    'SecAuditLogType Serial',
    'SecAuditLogFormat JSON',
    'SecAuditLog /dev/stdout',
    `SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=${w.paranoiaLevel}"`,
    `SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=${w.inboundAnomalyThreshold},setvar:tx.outbound_anomaly_score_threshold=${w.outboundAnomalyThreshold}"`,
    '',
  ].join('\n');
}

/** A problem of the platform plan (the shape of lib/gitops' PlanIssue). */
export interface WafConflict {
  readonly path: string;
  readonly id: ErrorId;
  readonly field: string;
  readonly message: string;
}

/**
 * The conflict of an environment's endpoints on ingress-nginx that ask for different WAF
 * settings, if any: the controller holds one ModSecurity configuration for all its hosts (its
 * ConfigMap), and per-Ingress rules would need the Critical `modsecurity-snippet` annotation it refuses.
 */
export function wafConflicts(requirements: readonly DeclaredRequirement[]): WafConflict[] {
  const askers = requirements.filter((r) => r.component === 'ingress-nginx' && (r.settings?.[MODSECURITY_SNIPPET]?.length ?? 0) > 0);
  const snippets = [...new Set(askers.flatMap((r) => r.settings![MODSECURITY_SNIPPET]))].sort();
  if (snippets.length < 2) return [];
  const lines = snippets.map((s) => s.split('\n').filter((l) => l !== ''));
  const common = lines.reduce((a, b) => a.filter((l) => b.includes(l)));
  const differing = [...new Set(lines.flat().filter((l) => !common.includes(l)))];
  return [
    {
      id: 'platform.ingress-nginx-waf-conflict',
      path: askers[0].path,
      field: 'policy.waf',
      message: `the endpoints served by ingress-nginx in this environment (${[...new Set(askers.map((r) => r.path))].join(', ')}) ask for different WAF settings (${differing.join(' | ')}): the controller holds one ModSecurity configuration for all its hosts (its ConfigMap), and per-Ingress rules need the Critical modsecurity-snippet annotation it refuses; give them the same waf settings`,
    },
  ];
}
