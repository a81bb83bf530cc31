import { Construct } from 'constructs';
import { Environment, fromSecret, Probe, SystemChart, SystemSecret, WebService } from '../lib';

/**
 * Loopi API (seeds/000): a Go API on 8080 behind ingress-nginx, with MySQL 8 and Redis.
 *
 * Work in progress: the API is here; MySQL, Redis, the ingress, TLS and metrics follow
 * as their constructs land. What the seed gets wrong and this chart does not repeat:
 * - credentials committed as base64 Secrets: every secret is produced in the cluster by
 *   the external-secrets operator (generated in dev, from Vault in staging and prod);
 * - `loopi-api:latest`: the image is pinned.
 */
export const LOOPI_IMAGES = {
  api: 'loopi-api:1.0.0',
} as const;

export class LoopiChart extends SystemChart {
  constructor(scope: Construct, env: Environment) {
    super(scope, { system: 'loopi', environment: env, description: 'Loopi API: Go API with MySQL 8 and Redis.' });

    const appSecrets = new SystemSecret(this, 'api-secrets', { keys: ['JWT_SECRET'] });
    new WebService(this, 'api', {
      image: LOOPI_IMAGES.api,
      ports: [{ name: 'http', port: 8080 }],
      replicas: env.pick({ dev: 1, staging: 2, prod: 3 }),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      liveness: Probe.http('/health'),
      readiness: Probe.http('/ready'),
      config: { PORT: '8080', ENVIRONMENT: env.pick({ dev: 'development', staging: 'staging', prod: 'production' }) },
      env: { JWT_SECRET: fromSecret(appSecrets, 'JWT_SECRET') },
    });
  }
}
