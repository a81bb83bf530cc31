/**
 * The "Disaster recovery" section of a system README in an environment whose public DNS has
 * Route 53 failover (`platform.publicDns.failover`): the six steps of a site failover (identify
 * the failure, activate the backup site, restore the data, verify, redirect traffic, monitor)
 * with the commands for what this folder deploys: its hosts, its edge, its CloudNativePG
 * clusters and where their archives are.
 */
import { DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK } from '../core/platform';
import { zoneOfHost } from '../core/public-dns-profile';
import type { SystemChart } from '../core/system-chart';
import type { Json } from '../core/json';
import type { RenderedObject } from './render';

/** How to find the address of the edge's load balancer that serves the folder's hosts. */
function edgeAddress(chart: SystemChart, objects: readonly Json[]): { address: string; stop: string[] } {
  const edge = chart.environment.platform.edge;
  const route = objects.find((o) => o.kind === 'HTTPRoute');
  if (route) {
    const parent = route.spec.parentRefs[0];
    const ns = parent.namespace ?? route.metadata.namespace;
    return {
      address: `kubectl -n ${ns} get gateway ${parent.name} -o jsonpath='{.status.addresses[0].value}'`,
      stop: [
        `# The Gateway's proxies have no healthy target once the Gateway is gone from the load balancer:`,
        `kubectl -n ${ns} delete gateway ${parent.name}`,
      ],
    };
  }
  const traefik = objects.some((o) => o.kind === 'Ingress' && o.spec.ingressClassName === (edge.traefik ?? DEFAULT_TRAEFIK).ingressClassName);
  const [ns, deployment, app] = traefik
    ? [(edge.traefik ?? DEFAULT_TRAEFIK).pods.namespace, 'traefik', 'traefik']
    : [(edge.ingressNginx ?? DEFAULT_INGRESS_NGINX).pods.namespace, 'ingress-nginx-controller', 'ingress-nginx'];
  const env = chart.environment.name;
  return {
    address: `kubectl -n ${ns} get service ${deployment} -o jsonpath='{.status.loadBalancer.ingress[0].hostname}'`,
    stop: [
      `kubectl -n ${chart.environment.platform.argocd.namespace} patch application ${app}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
      `kubectl -n ${ns} scale deployment ${deployment} --replicas=0`,
    ],
  };
}

/** `s3://bucket/prefix` and the endpoint's region as BackupTarget.s3 props. */
function targetOf(store: Json): string {
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(store.spec.configuration.destinationPath) ?? [];
  const region = /s3\.([a-z0-9-]+)\.amazonaws\.com/.exec(store.spec.configuration.endpointURL ?? '')?.[1];
  return `BackupTarget.s3({ bucket: '${bucket}', prefix: '${prefix}'${region ? `, region: '${region}'` : ''}, accessKeyId, secretAccessKey })`;
}

/** The section, or undefined when the environment's records are not failover records. */
export function disasterRecoverySection(chart: SystemChart, rendered: readonly RenderedObject[]): string | undefined {
  const dns = chart.environment.platform.publicDns;
  const failover = dns?.failover;
  if (!dns || !failover) return undefined;
  const objects = rendered.map((r) => r.object);
  const hosts = [
    ...new Set(
      objects.flatMap((o) =>
        o.kind === 'Ingress'
          ? (o.spec.rules ?? []).map((r: Json) => r.host)
          : o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute'
            ? (o.spec.hostnames ?? [])
            : [],
      ),
    ),
  ].sort();
  if (hosts.length === 0) return undefined;
  const ns = chart.namespaceName;
  const env = chart.environment.name;
  const argocd = chart.environment.platform.argocd.namespace;
  const clusters = objects.filter((o) => o.kind === 'Cluster' && String(o.apiVersion).startsWith('postgresql.cnpg.io/'));
  const stores = objects.filter((o) => o.kind === 'ObjectStore');
  const archiveOf = (c: Json) =>
    stores.find((s) => s.metadata.name === c.spec.plugins?.find((p: Json) => p.isWALArchiver)?.parameters?.barmanObjectName);
  const host = hosts[0];
  const edge = edgeAddress(chart, objects);
  const primary = failover.role === 'primary';
  const check = failover.healthCheckId;
  const lines = [
    '## Disaster recovery',
    '',
    `This site's records are the ${primary ? 'PRIMARY' : 'SECONDARY'} half of Route 53 failover pairs (set identifier \`${failover.setIdentifier}\`, written by external-dns) for ${hosts.map((h) => `\`${h}\``).join(', ')}. ` +
      (primary
        ? `A backup site is a second cluster synthesized from the same chart with \`publicDns.failover: { role: 'secondary', setIdentifier: '<its own>' }\` and its own \`txtOwnerId\`, whose CloudNativePG stores set \`engine.replicaOf\` to this site's archive; it publishes the SECONDARY records. No backup site is deployed from this repository (\`dist/\` has dev, staging and prod only): the steps below name what it must run.`
        : 'The primary site publishes the PRIMARY records.'),
    '',
    ...(clusters.length > 0
      ? [
          "The backup site's PostgreSQL (CloudNativePG replica clusters, read-only until promoted):",
          '',
          ...clusters.map((c) => {
            const store = archiveOf(c);
            return store
              ? `- \`${c.metadata.name}\`: \`engine.replicaOf: { target: ${targetOf(store)} }\` (this site's archive \`${store.spec.configuration.destinationPath}/${c.metadata.name}/\`; keys that may read it, and its own \`engine.backup\` elsewhere)`
              : `- \`${c.metadata.name}\`: no archive here (no \`engine.backup\`): nothing to replicate from`;
          }),
          '',
        ]
      : []),
    '```sh',
    '# 1. Identify the failure: what answers, what Route 53 serves, what this site runs.',
    `ZONE_ID=$(aws route53 list-hosted-zones-by-name --dns-name ${zoneOfHost(dns, host) ?? host} --query 'HostedZones[0].Id' --output text)`,
    ...hosts.map((h) => `dig +short ${h}; curl -sS -o /dev/null -w '%{http_code}\\n' https://${h}/`),
    `aws route53 list-resource-record-sets --hosted-zone-id "$ZONE_ID" --query "ResourceRecordSets[?Name == '${host}.']"`,
    ...(check ? [`aws route53 get-health-check-status --health-check-id ${check}`] : []),
    `kubectl -n ${argocd} get applications ${chart.system}-${env} platform-${env}`,
    ...clusters.map((c) => `kubectl -n ${ns} get cluster ${c.metadata.name}`),
    '# 2. Activate the backup site (on its cluster): its Applications synced, its replicas streaming from the archive.',
    `kubectl -n ${argocd} get applications`,
    ...clusters.map((c) => `kubectl -n ${ns} get cluster ${c.metadata.name} -o jsonpath='{.spec.replica.enabled} {.status.phase}{"\\n"}'`),
    "# 3. Restore the data (on the backup site; names as on this site, the backup site's README has its own): promote each",
    "#    replica cluster, then restore the other stores from this site's off-site backups (Backups and restore above).",
    `kubectl -n ${argocd} patch application ${chart.system}-${env} --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
    ...clusters.flatMap((c) => [
      `kubectl -n ${ns} patch cluster ${c.metadata.name} --type merge -p '{"spec":{"replica":{"enabled":false}}}'`,
      `kubectl -n ${ns} wait cluster/${c.metadata.name} --for=condition=Ready --timeout=30m`,
    ]),
    '# 4. Verify (on the backup site): every workload ready, the hosts served by its load balancer before DNS points there.',
    `kubectl -n ${ns} get deployments,statefulsets,rollouts.argoproj.io 2>/dev/null`,
    `LB=$(${edge.address})`,
    ...hosts.map((h) => `curl -sS -o /dev/null -w '%{http_code}\\n' --connect-to ${h}:443:$LB:443 https://${h}/`),
    primary
      ? check
        ? `# 5. Redirect traffic: Route 53 answers with the SECONDARY records while health check ${check} fails; to force it while this site still answers:`
        : "# 5. Redirect traffic: Route 53 answers with the SECONDARY records once this site's load balancer has no healthy target; to force it while it still answers (on this site; every system of the site fails over with it):"
      : '# 5. Redirect traffic: Route 53 answers with these SECONDARY records while the PRIMARY ones are unhealthy; to force it, on the primary site:',
    ...(primary && check ? [`aws route53 update-health-check --health-check-id ${check} --inverted`] : edge.stop),
    ...hosts.map((h) => `dig +short ${h}   # until it answers with the backup site's load balancer ($LB)`),
    '# 6. Monitor: the promoted clusters, the alerts of the backup site, the records.',
    ...clusters.map((c) => `kubectl -n ${ns} get cluster ${c.metadata.name} -o jsonpath='{.status.phase} {.status.currentPrimary}{"\\n"}'`),
    `kubectl -n ${ns} get events --sort-by=.lastTimestamp | tail -20`,
    `aws route53 list-resource-record-sets --hosted-zone-id "$ZONE_ID" --query "ResourceRecordSets[?Name == '${host}.'].[SetIdentifier,Failover,AliasTarget.DNSName]"`,
    '```',
    '',
    'Failing back: the old primary site is behind the promoted one; its databases come back as replicas of the backup site (`engine.replicaOf` its archive) before the roles are swapped again, never as a second primary.',
  ];
  return lines.join('\n');
}
