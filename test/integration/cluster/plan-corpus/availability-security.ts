import { Duration, JsonPatch } from 'cdk8s';
import {
  BackupTarget,
  fromSecret,
  issuerForEnvironment,
  MySql,
  MySqlEngine,
  NetworkPeer,
  Probe,
  PublicEndpoint,
  SystemChart,
  SystemSecret,
  WebService,
  Worker,
} from '../../../../lib';
import { apiObject, patch, PlanChange, RESOURCES } from './change';
import { cnpg } from './refused';

const web = (chart: SystemChart, replicas = 3, liveness = true): WebService =>
  new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    replicas,
    readiness: Probe.http('/ready'),
    ...(liveness ? { liveness: Probe.http('/health') } : {}),
    resources: RESOURCES,
  });

const moco = (chart: SystemChart, instances: number): MySql => {
  const keys = new SystemSecret(chart, 'mysql-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  return new MySql(chart, 'mysql', {
    version: '8.4',
    database: 'app',
    storage: '10Gi',
    credentials: new SystemSecret(chart, 'mysql-credentials', { keys: ['password'] }),
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    engine: MySqlEngine.moco({
      instances,
      rpo: Duration.hours(1),
      backup: {
        target: BackupTarget.s3({
          bucket: 'corpus-mysql',
          region: 'us-east-1',
          accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
          secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
        }),
        schedule: '0 * * * *',
      },
    }),
  });
};

/** Changes that weaken availability; Kubernetes accepts all of them. */
export const AVAILABILITY_CHANGES: readonly PlanChange[] = [
  {
    id: 'replicas-at-budget',
    title: 'replicas go down to the disruption budget',
    environment: 'prod',
    risks: ['availability.replicas-at-disruption-budget'],
    server: 'accepts',
    build: (chart, side) => {
      const api = web(chart, 3);
      api.disruptionBudget({ minAvailable: 2 });
      // The library refuses replicas at the budget's floor at synth; an edited manifest does not.
      if (side === 'after') patch(api, 'Deployment', JsonPatch.replace('/spec/replicas', 2));
    },
  },
  {
    id: 'quorum-moco',
    title: 'a MOCO MySQL cluster goes from 3 instances to 1',
    environment: 'staging',
    risks: ['availability.quorum-weakened'],
    server: 'accepts',
    build: (chart, side) => void moco(chart, side === 'before' ? 3 : 1),
  },
  {
    id: 'quorum-cnpg-even',
    title: 'a CloudNativePG cluster goes from 3 to 4 instances (an even number)',
    environment: 'prod',
    risks: ['availability.quorum-weakened'],
    server: 'accepts',
    build: (chart, side) => void cnpg(chart, 'db', { instances: side === 'before' ? 3 : 4 }),
  },
  {
    id: 'probe-removed',
    title: "a service's liveness probe is removed",
    risks: ['availability.probe-removed'],
    server: 'accepts',
    build: (chart, side) => void web(chart, 1, side === 'before'),
  },
  {
    id: 'hpa-min-lowered',
    title: "the autoscaler's minimum goes down in prod",
    environment: 'prod',
    risks: ['availability.autoscaler-minimum-lowered'],
    server: 'accepts',
    build: (chart, side) => {
      const api = new WebService(chart, 'api', {
        image: 'registry.stackworks.io/org/api:1.0.0',
        ports: [{ name: 'http', port: 8080 }],
        readiness: Probe.http('/ready'),
        resources: RESOURCES,
      });
      api.autoscale({ min: side === 'before' ? 3 : 2, max: 6, cpuPercent: 70 });
    },
  },
];

const worker = (chart: SystemChart, exception?: Parameters<typeof Object.assign>[1]): Worker =>
  new Worker(chart, 'worker', {
    image: 'registry.stackworks.io/org/worker:1.0.0',
    command: ['worker'],
    liveness: Probe.exec(['true']),
    resources: RESOURCES,
    ...(exception ? { securityException: exception } : {}),
  });

/** Changes that weaken security; Kubernetes accepts all of them. */
export const SECURITY_CHANGES: readonly PlanChange[] = [
  {
    id: 'pod-security-lowered',
    title: 'a workload starts as root: the namespace is lowered to baseline',
    risks: ['security.pod-security-lowered', 'security.exception-added'],
    server: 'accepts',
    build: (chart, side) =>
      void worker(
        chart,
        side === 'after'
          ? {
              reason: 'the entrypoint chowns its volume, then drops to 10001',
              startAsRoot: true,
              addCapabilities: ['SETUID', 'SETGID', 'CHOWN'],
              lowerNamespaceTo: 'baseline',
            }
          : undefined,
      ),
  },
  {
    id: 'exception-added',
    title: 'a workload gets NET_BIND_SERVICE',
    risks: ['security.exception-added'],
    server: 'accepts',
    build: (chart, side) =>
      void worker(chart, side === 'after' ? { reason: 'listens on 443 itself', addCapabilities: ['NET_BIND_SERVICE'] } : undefined),
  },
  {
    id: 'netpol-widened',
    title: 'a service accepts traffic from another namespace',
    risks: ['security.network-policy-widened'],
    server: 'accepts',
    build: (chart, side) => {
      const api = web(chart, 1);
      if (side === 'after') api.connections.allowFromPeer(NetworkPeer.namespace('monitoring'), { port: 8080 });
    },
  },
  {
    id: 'netpol-all-namespaces',
    title: 'a service accepts traffic from every namespace',
    risks: ['security.network-policy-widened'],
    server: 'accepts',
    build: (chart, side) => {
      const api = web(chart, 1);
      if (side === 'after') apiObject(api, 'NetworkPolicy').addJsonPatch(JsonPatch.add('/spec/ingress', [{ from: [{ namespaceSelector: {} }] }]));
    },
  },
  {
    id: 'public-path-added',
    title: 'a new public host is served',
    risks: ['security.public-route-added'],
    server: 'accepts',
    build: (chart, side) => {
      const api = web(chart, 1);
      const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@example.com' });
      new PublicEndpoint(chart, 'public', {
        hosts: [
          { host: 'api.dev.example.com', routes: [{ path: '/', backend: api }] },
          ...(side === 'after' ? [{ host: 'admin.dev.example.com', routes: [{ path: '/', backend: api }] }] : []),
        ],
        tls: issuer ? { issuer } : false,
      } as never);
    },
  },
  {
    id: 'tls-removed',
    title: 'a public host loses TLS',
    risks: ['security.tls-removed'],
    server: 'accepts',
    build: (chart, side) => {
      const api = web(chart, 1);
      const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@example.com' });
      new PublicEndpoint(chart, 'public', { host: 'api.dev.example.com', backend: api, tls: side === 'before' && issuer ? { issuer } : false });
    },
  },
  {
    id: 'secret-key-dropped',
    title: "a key is dropped from a secret's ExternalSecret while the service still reads it",
    environment: 'prod',
    risks: ['security.secret-key-dropped'],
    server: 'accepts',
    build: (chart, side) => {
      const secret = new SystemSecret(chart, 'api-secrets', { keys: ['JWT_SECRET', 'API_TOKEN'] });
      const api = new WebService(chart, 'api', {
        image: 'registry.stackworks.io/org/api:1.0.0',
        ports: [{ name: 'http', port: 8080 }],
        readiness: Probe.http('/ready'),
        resources: RESOURCES,
        env: { JWT_SECRET: fromSecret(secret, 'JWT_SECRET'), API_TOKEN: fromSecret(secret, 'API_TOKEN') },
      });
      // Escape hatches: an ExternalSecret edited by hand drops a key the pods still read, and
      // the policy rule that would refuse it is waived.
      if (side === 'after') {
        patch(secret, 'ExternalSecret', JsonPatch.remove('/spec/data/1'));
        api.waive('references-resolve', 'the token moves to another store in the next release');
      }
    },
  },
];
