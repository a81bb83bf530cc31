import { envOf, find, kinds, mainContainer, systemObjects } from './support';

describe('Loopi API (seeds/000) in prod', () => {
  const objects = systemObjects('loopi', 'prod');
  const api = find(objects, 'Deployment', 'api');
  const container = mainContainer(api);

  test('Go API on 8080 with /health and /ready, 128Mi/100m requests and 512Mi/500m limits', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(container.resources.requests).toMatchObject({ cpu: '100m', memory: '128Mi' });
    expect(container.resources.limits).toMatchObject({ cpu: '500m', memory: '512Mi' });
  });

  test('3 replicas in prod through the HPA, with a PDB', () => {
    expect(find(objects, 'HorizontalPodAutoscaler', 'api').spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(api.spec.replicas).toBeUndefined();
    expect(find(objects, 'PodDisruptionBudget', 'api').spec.maxUnavailable).toBe(1);
  });

  test("the seed's ConfigMap values", () => {
    expect(find(objects, 'ConfigMap', 'api-config').data).toEqual({ ENVIRONMENT: 'production', PORT: '8080' });
  });

  test('defect fixed: the app connects to MySQL as the application user, not root; password by reference', () => {
    const env = envOf(container);
    expect(env.DB_USER.value).toBe('loopi');
    expect(env.DB_NAME.value).toBe('loopi_db');
    expect(env.DB_HOST.value).toBe('mysql.loopi-prod.svc');
    expect(env.DB_PORT.value).toBe('3306');
    expect(env.DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'mysql-credentials', key: 'password' });
    expect(mainContainer(find(objects, 'StatefulSet', 'mysql')).image).toMatch(/^docker\.io\/library\/mysql:8\.4\./);
  });

  test('defect fixed: no credentials in base64 Secrets; every secret comes from the secret store', () => {
    expect(kinds(objects, 'Secret')).toEqual([]);
    expect(
      kinds(objects, 'ExternalSecret')
        .map((e) => e.metadata.name)
        .sort(),
    ).toEqual(['api-secrets', 'mysql-credentials', 'redis-credentials']);
  });

  test('defect fixed: ingressClassName instead of the deprecated kubernetes.io/ingress.class annotation', () => {
    const ingress = find(objects, 'Ingress', 'public');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.metadata.annotations['kubernetes.io/ingress.class']).toBeUndefined();
  });

  test("api.loopi.com with TLS from Let's Encrypt production, 10 r/s burst 20, timeouts 5/60/60 and the security headers", () => {
    const ingress = find(objects, 'Ingress', 'public');
    expect(ingress.spec.rules[0].host).toBe('api.loopi.com');
    expect(ingress.spec.tls[0].hosts).toEqual(['api.loopi.com']);
    const a = ingress.metadata.annotations;
    expect(a['cert-manager.io/issuer']).toBe('letsencrypt');
    expect(find(objects, 'Issuer', 'letsencrypt').spec.acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(a['nginx.ingress.kubernetes.io/limit-rps']).toBe('10');
    expect(a['nginx.ingress.kubernetes.io/limit-burst-multiplier']).toBe('2');
    expect(a['nginx.ingress.kubernetes.io/proxy-connect-timeout']).toBe('5');
    expect(a['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('60');
    expect(a['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe('60');
    const headers = find(objects, 'ConfigMap', a['nginx.ingress.kubernetes.io/custom-headers'].split('/')[1]).data;
    expect(headers).toMatchObject({ 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff' });
    expect(headers['Strict-Transport-Security']).toMatch(/max-age=31536000/);
  });

  test('exporters for MySQL and Redis on metrics ports', () => {
    for (const store of ['mysql', 'redis']) {
      const ports = find(objects, 'StatefulSet', store).spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
      expect(ports.map((p: any) => p.name)).toContain('metrics');
    }
  });

  test('staging uses the ACME staging endpoint; dev a self-signed issuer and one replica', () => {
    expect(find(systemObjects('loopi', 'staging'), 'Issuer', 'letsencrypt').spec.acme.server).toBe(
      'https://acme-staging-v02.api.letsencrypt.org/directory',
    );
    const dev = systemObjects('loopi', 'dev');
    expect(find(dev, 'Issuer', 'letsencrypt').spec.selfSigned).toEqual({});
    expect(find(dev, 'Deployment', 'api').spec.replicas).toBe(1);
  });
});
