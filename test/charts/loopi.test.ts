import { envOf, find, kinds, mainContainer, readmeOf, systemObjects, workloadObject } from './support';

describe('Loopi API (seeds/000) in prod', () => {
  const objects = systemObjects('loopi', 'prod');
  const api = workloadObject(objects, 'api');
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
    expect(find(objects, 'ConfigMap', 'api-config').data).toEqual({ ENVIRONMENT: 'production', PORT: '8080', FILES_DIR: '/data/files' });
  });

  test('defect fixed: the app connects to MySQL as the application user, not root; password by reference', () => {
    const env = envOf(container);
    expect(env.DB_USER.value).toBe('loopi');
    expect(env.DB_NAME.value).toBe('loopi_db');
    // MOCO's primary Service, which follows failovers.
    expect(env.DB_HOST.value).toBe('moco-mysql-primary.loopi-prod.svc');
    expect(env.DB_PORT.value).toBe('3306');
    expect(env.DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'mysql-credentials', key: 'password' });
    expect(find(objects, 'MySQLCluster', 'mysql').spec.podTemplate.spec.containers[0].image).toMatch(/^ghcr\.io\/cybozu-go\/moco\/mysql:8\.4\./);
    // Staging keeps the single server and its Service.
    const staging = systemObjects('loopi', 'staging');
    expect(envOf(mainContainer(workloadObject(staging, 'api'))).DB_HOST.value).toBe('mysql.loopi-staging.svc');
    expect(mainContainer(find(staging, 'StatefulSet', 'mysql')).image).toMatch(/^docker\.io\/library\/mysql:8\.4\./);
  });

  describe("the seed's MySQL master and two slaves: a MOCO primary with two semi-synchronous replicas in prod", () => {
    const cluster = find(objects, 'MySQLCluster', 'mysql');

    test('three instances, never two on one node, with the seed-derived resources and 20Gi each', () => {
      expect(cluster.apiVersion).toBe('moco.cybozu.com/v1beta2');
      expect(cluster.spec.replicas).toBe(3);
      const anti = cluster.spec.podTemplate.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      expect(anti).toEqual([
        {
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'mysql', 'app.kubernetes.io/instance': 'mysql', 'app.kubernetes.io/created-by': 'moco' },
          },
        },
      ]);
      expect(cluster.spec.podTemplate.spec.containers[0].resources).toEqual({
        requests: { cpu: '250m', memory: '1Gi' },
        limits: { cpu: '1', memory: '2Gi' },
      });
      expect(cluster.spec.volumeClaimTemplates[0]).toMatchObject({
        metadata: { name: 'mysql-data' },
        spec: { resources: { requests: { storage: '20Gi' } } },
      });
      expect(kinds(objects, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['memcached', 'redis']);
    });

    test('the application account loopi on loopi_db is created by a Job logging in as moco-writable on the primary', () => {
      const job = kinds(objects, 'Job').find((j) => j.metadata.name.startsWith('mysql-app-user-'))!;
      const env = envOf(mainContainer(job));
      expect(env.MOCO_WRITABLE_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'moco-mysql', key: 'WRITABLE_PASSWORD' });
      expect(env.APP_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'mysql-credentials', key: 'password' });
      const script = find(objects, 'ConfigMap', 'mysql-app-user').data['app-user.sh'];
      expect(script).toContain("host='moco-mysql-primary.loopi-prod.svc'");
      expect(script).toContain("GRANT ALL ON \\`loopi\\_db\\`.* TO 'loopi'@'%';");
    });

    test('hourly backups with binary logs to an S3 bucket off the cluster, watched by the backup alerts', () => {
      expect(cluster.spec.backupPolicyName).toBe('mysql-backup');
      const policy = find(objects, 'BackupPolicy', 'mysql-backup');
      expect(policy.spec.schedule).toBe('0 * * * *');
      expect(policy.spec.jobConfig.bucketConfig).toEqual({ bucketName: 'loopi-mysql-backups-prod', region: 'us-east-1' });
      expect(policy.spec.jobConfig.env[1].valueFrom.secretKeyRef).toEqual({ name: 'mysql-backup-s3', key: 'AWS_SECRET_ACCESS_KEY' });
      const rules = find(objects, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: any) => g.rules);
      expect(rules.find((r: any) => r.alert === 'BackupNotSuccessful').expr).toContain('cronjob="moco-backup-mysql"}) > 7200');
    });

    test('the exporter sidecar scraped through the metrics Service, NetworkPolicy from the MOCO controller and between instances', () => {
      expect(cluster.spec.collectors.length).toBeGreaterThan(0);
      expect(find(objects, 'Service', 'mysql-metrics').spec.ports).toEqual([
        { name: 'mysqld-metrics', port: 9104, targetPort: 'mysqld-metrics', protocol: 'TCP' },
      ]);
      const policy = find(objects, 'NetworkPolicy', 'mysql').spec;
      const from = (labels: Record<string, string>) =>
        policy.ingress.filter((r: any) => r.from.some((f: any) => JSON.stringify(f.podSelector.matchLabels) === JSON.stringify(labels)));
      expect(from({ 'app.kubernetes.io/component': 'moco-controller' })[0].ports.map((p: any) => p.port)).toEqual([3306, 33062, 9080]);
      expect(
        from(cluster.spec.podTemplate.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels)
          .length,
      ).toBe(1);
    });
  });

  test('defect fixed: no credentials in base64 Secrets; every secret comes from the secret store', () => {
    expect(kinds(objects, 'Secret')).toEqual([]);
    expect(
      kinds(objects, 'ExternalSecret')
        .map((e) => e.metadata.name)
        .sort(),
    ).toEqual(['api-secrets', 'files-s3-credentials', 'mysql-backup-s3', 'mysql-credentials', 'redis-credentials']);
    // MOCO keeps its own administrator and exporter accounts: prod fetches only the application's password.
    expect(find(objects, 'ExternalSecret', 'mysql-credentials').spec.data.map((d: any) => d.secretKey)).toEqual(['password']);
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
    const ports = find(objects, 'StatefulSet', 'redis').spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
    expect(ports.map((p: any) => p.name)).toContain('metrics');
    const staging = systemObjects('loopi', 'staging');
    const mysqlPorts = find(staging, 'StatefulSet', 'mysql').spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
    expect(mysqlPorts.map((p: any) => p.name)).toContain('metrics');
  });

  test('staging uses the ACME staging endpoint; dev a self-signed issuer and one replica', () => {
    expect(find(systemObjects('loopi', 'staging'), 'Issuer', 'letsencrypt').spec.acme.server).toBe(
      'https://acme-staging-v02.api.letsencrypt.org/directory',
    );
    const dev = systemObjects('loopi', 'dev');
    expect(find(dev, 'Issuer', 'letsencrypt').spec.selfSigned).toEqual({});
    expect(workloadObject(dev, 'api').spec.replicas).toBe(1);
  });
});

describe("Loopi's Memcached (the seed's cache layer beside Redis)", () => {
  test('two memory-only members in prod on different nodes with a PDB; one in dev and staging', () => {
    const prod = systemObjects('loopi', 'prod');
    const sts = find(prod, 'StatefulSet', 'memcached');
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(mainContainer(sts).image).toBe('docker.io/library/memcached:1.6.39');
    expect(find(prod, 'PodDisruptionBudget', 'memcached').spec.maxUnavailable).toBe(1);
    expect(sts.spec.template.spec.priorityClassName).toBe('stacks-data');
    expect(find(systemObjects('loopi', 'staging'), 'StatefulSet', 'memcached').spec.replicas).toBe(1);
  });

  test('the API gets the server list and may reach 11211; the exporter is scraped and on the dashboard', () => {
    const prod = systemObjects('loopi', 'prod');
    const env = envOf(mainContainer(workloadObject(prod, 'api')));
    expect(env.MEMCACHED_SERVERS.value).toBe(
      'memcached-0.memcached-headless.loopi-prod.svc:11211,memcached-1.memcached-headless.loopi-prod.svc:11211',
    );
    expect(JSON.stringify(find(prod, 'NetworkPolicy', 'memcached').spec.ingress)).toContain('"app.kubernetes.io/name":"api"');
    expect(find(prod, 'ServiceMonitor', 'memcached').spec.endpoints[0].port).toBe('metrics');
    const dashboard = find(prod, 'ConfigMap', 'dashboard-grafana');
    expect(JSON.stringify(dashboard.data)).toContain('memcached_current_connections');
  });

  test('the README lists it as not backed up, with the reason', () => {
    expect(readmeOf('loopi', 'prod')).toContain('- `memcached`: a memory-only cache');
  });
});

describe("Loopi's database connections are encrypted (LP-67)", () => {
  test.each(['dev', 'staging'] as const)(
    '%s: MySQL requires TLS with a certificate from the system CA; the API verifies it with the mounted CA',
    (env) => {
      const objects = systemObjects('loopi', env);
      const certificate = find(objects, 'Certificate', 'mysql-tls');
      expect(certificate.spec.issuerRef).toEqual({ name: 'database-ca', kind: 'Issuer', group: 'cert-manager.io' });
      expect(certificate.spec.dnsNames).toEqual(expect.arrayContaining(['mysql', `mysql.loopi-${env}.svc`, `mysql.loopi-${env}.svc.cluster.local`]));
      expect(find(objects, 'Issuer', 'database-ca').spec).toEqual({ ca: { secretName: 'database-ca-root-ca' } });
      expect(find(objects, 'ConfigMap', 'mysql-config').data['my.cnf']).toMatch(/require_secure_transport = ON\nssl_ca = \/etc\/db-tls\/ca\.crt/);
      const api = mainContainer(find(objects, 'Deployment', 'api'));
      const vars = envOf(api);
      expect(vars.DB_HOST.value).toBe(`mysql.loopi-${env}.svc`);
      expect(vars.DB_SSL_MODE.value).toBe('VERIFY_IDENTITY');
      expect(vars.DB_SSL_CA.value).toBe('/etc/db-ca/mysql/ca.crt');
      expect(api.volumeMounts).toContainEqual({ name: 'ca-mysql', mountPath: '/etc/db-ca/mysql', readOnly: true });
      // The backup Job verifies the server too.
      const backup = find(objects, 'CronJob', 'mysql-backup').spec.jobTemplate.spec.template.spec.containers[0];
      expect(envOf(backup).STORE_TLS_CA.value).toBe('/etc/db-ca/mysql/ca.crt');
    },
  );

  test("prod: not on MOCO (its own connections are unencrypted), so the API's variables carry no TLS setting", () => {
    const objects = systemObjects('loopi', 'prod');
    expect(objects.filter((o) => o.kind === 'Certificate' && o.metadata.name === 'mysql-tls')).toEqual([]);
    expect(envOf(mainContainer(find(objects, 'Deployment', 'api'))).DB_SSL_MODE).toBeUndefined();
  });
});
