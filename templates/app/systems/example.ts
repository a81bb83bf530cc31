import { Construct } from 'constructs';
import { ConnectionEnv, Environment, Probe, PublicEndpoint, Redis, SystemChart, SystemSecret, WebService, issuerForEnvironment } from 'cdk8s-stacks';

/**
 * An example system: a web service with a Redis cache, public over HTTPS.
 * Copy this file for each system and register it in systems/index.ts (SYSTEMS).
 */
export class ExampleSystem extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, { system: 'example', environment: env, description: 'Example: a web service with a Redis cache.' });

    const cache = new Redis(this, 'cache', {
      use: 'cache',
      storage: env.pick({ dev: '1Gi', default: '5Gi' }),
      credentials: new SystemSecret(this, 'cache-credentials', { keys: ['redis-password'] }),
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    }).noBackup({ reason: 'a cache: everything in it can be computed again, an empty cache only costs latency' });

    const web = new WebService(this, 'web', {
      image: 'docker.io/nginxinc/nginx-unprivileged:1.27.3',
      ports: [{ name: 'http', port: 8080 }],
      replicas: env.pick({ dev: 1, staging: 2, prod: 3 }),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      readiness: Probe.http('/'),
      liveness: Probe.http('/'),
      config: { ENVIRONMENT: env.name },
    });
    web.connect(cache, { env: ConnectionEnv.discrete({ host: 'REDIS_HOST', port: 'REDIS_PORT', password: 'REDIS_PASSWORD' }) });

    // Let's Encrypt sends certificate expiry warnings to this address: put your team's here.
    const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'platform@my-company.io' });
    new PublicEndpoint(this, 'public', {
      host: env.pick({ dev: 'example.dev.my-company.io', staging: 'example.staging.my-company.io', prod: 'example.my-company.io' }),
      backend: web,
      tls: issuer ? { issuer } : false,
    });
  }
}
