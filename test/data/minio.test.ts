import { spawnSync } from 'child_process';
import { DEFAULT_RULES, Duration, ExistingSecret, Probe, SystemSecret, WebService } from '../../lib';
import { bucketPolicyJson, checkBucketName, ObjectStore, ObjectStoreProps } from '../../lib/data/minio';
import { TOOL_IMAGES } from '../../lib/data/versions';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { expectOneError, testStrictSchemaValidation } from '../support/construct-tests';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const credentials = ExistingSecret.named('minio-credentials', ['root-user', 'root-password']);
const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'minio-credentials', key } } });

describe('ObjectStore (MinIO)', () => {
  const { app, chart } = testChart();
  const minio = new ObjectStore(chart, 'minio', { storage: '50Gi', credentials, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
  const uploads = minio.addBucket('uploads', { versioning: true });
  const backups = minio.addBucket('backups', { expireAfter: Duration.days(14) });
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 3000 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(minio, { env: minio.s3Env({ bucket: uploads }) });

  const objects = objectsOf(app);
  const sts = objectOf(app, 'StatefulSet', 'minio');
  const pod = sts.spec.template.spec;
  const server = pod.containers[0];
  const jobs = objects.filter((o) => o.kind === 'Job');

  test('no validation errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('one member running `minio server /data` on 9000 with the console on 9001; the client Service serves the S3 API', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(server.image).toBe('quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z');
    expect(server.command).toEqual(['minio']);
    expect(server.args).toEqual(['server', '/data', '--address', ':9000', '--console-address', ':9001']);
    expect(server.ports).toEqual([
      { name: 'api', containerPort: 9000, protocol: 'TCP' },
      { name: 'console', containerPort: 9001, protocol: 'TCP' },
    ]);
    expect(objectOf(app, 'Service', 'minio').spec.ports).toEqual([{ name: 'api', port: 9000, targetPort: 'api', protocol: 'TCP' }]);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(server.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  test('root credentials by secretKeyRef; HOME on the /tmp emptyDir so the root filesystem stays read-only', () => {
    expect(server.env).toEqual([
      { name: 'MINIO_ROOT_USER', ...secretRef('root-user') },
      { name: 'MINIO_ROOT_PASSWORD', ...secretRef('root-password') },
      { name: 'MINIO_REGION', value: 'us-east-1' },
      { name: 'HOME', value: '/tmp' },
    ]);
    expect(server.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.securityContext).toMatchObject({ fsGroup: 1000 });
    expect(server.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('health probes on /minio/health/live and /minio/health/ready (no authentication)', () => {
    expect(server.readinessProbe.httpGet).toEqual({ path: '/minio/health/ready', port: 'api', scheme: 'HTTP' });
    expect(server.livenessProbe).toMatchObject({
      httpGet: { path: '/minio/health/live', port: 'api', scheme: 'HTTP' },
      periodSeconds: 20,
      failureThreshold: 6,
    });
    expect(server.startupProbe).toMatchObject({ httpGet: { path: '/minio/health/live', port: 'api', scheme: 'HTTP' }, failureThreshold: 60 });
  });

  test('the bucket Job: pinned mc, alias from the Secret, mb --ignore-existing per bucket, versioning, expiry', () => {
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    expect(job.metadata.name).toMatch(/^minio-buckets-[0-9a-f]{8}$/);
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe(TOOL_IMAGES.mc);
    expect(TOOL_IMAGES.mc).toMatch(/^quay\.io\/minio\/mc:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(c.env).toEqual([
      { name: 'HOME', value: '/tmp' },
      { name: 'S3_ENDPOINT', value: 'http://minio.test-prod.svc:9000' },
      { name: 'MINIO_ROOT_USER', ...secretRef('root-user') },
      { name: 'MINIO_ROOT_PASSWORD', ...secretRef('root-password') },
      { name: 'USER_SECRET_0', valueFrom: { secretKeyRef: { name: 'minio-uploads-rw', key: 'secret-key' } } },
    ]);
    const script: string = c.command[2];
    expect(c.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(script).toContain('mc alias set store "$S3_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"');
    expect(script).toContain('mc mb --ignore-existing store/uploads\nmc version enable store/uploads\n');
    expect(script).toContain("mc mb --ignore-existing store/backups\nmc ilm import store/backups <<'EOF'\n");
    const lifecycle = JSON.parse(/<<'EOF'\n(.*)\nEOF/.exec(script)![1]);
    expect(lifecycle).toEqual({ Rules: [{ ID: 'expire-after-14-days', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 14 } }] });
    // Buckets in name order: the hash does not depend on the order of addBucket() calls.
    expect(script.indexOf('store/backups')).toBeLessThan(script.indexOf('store/uploads'));
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(objectOf(app, 'NetworkPolicy', 'minio').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: minio.bucketJob!.selectorLabels } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
  });

  test('the bucket script is valid POSIX sh (sh -n)', () => {
    const script: string = jobs[0].spec.template.spec.containers[0].command[2];
    const result = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('endpoint, typed buckets and credential references for backup Jobs', () => {
    expect(minio.endpoint).toBe('http://minio.test-prod.svc:9000');
    expect(backups).toMatchObject({ name: 'backups', store: minio, options: { expireAfter: Duration.days(14) }, uri: 's3://backups' });
    expect(minio.buckets.map((b) => b.name)).toEqual(['uploads', 'backups']);
    expect(minio.accessKey).toEqual({ secret: credentials, key: 'root-user' });
    expect(minio.secretKey).toEqual({ secret: credentials, key: 'root-password' });
  });

  test('connect(): S3 variables with the keys of a user limited to the bucket (not root), NetworkPolicy both ways, wait with mc ready', () => {
    const spec = objectOf(app, 'Deployment', 'api').spec.template.spec;
    expect(spec.containers[0].env).toEqual([
      { name: 'S3_ENDPOINT', value: 'http://minio.test-prod.svc:9000' },
      { name: 'AWS_ACCESS_KEY_ID', value: 'uploads-rw' },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'minio-uploads-rw', key: 'secret-key' } } },
      { name: 'AWS_REGION', value: 'us-east-1' },
      { name: 'S3_FORCE_PATH_STYLE', value: 'true' },
      { name: 'S3_BUCKET', value: 'uploads' },
    ]);
    expect(spec.initContainers[0]).toMatchObject({ name: 'wait-for-minio', image: TOOL_IMAGES.mc });
    expect(spec.initContainers[0].command[2]).toContain('MC_HOST_store="http://$STORE_HOST:$STORE_PORT" mc ready store');
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: minio.selectorLabels } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
    expect(objectOf(app, 'NetworkPolicy', 'minio').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: api.selectorLabels } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
  });

  test('bucket users: a one-bucket policy each, created (policy on stdin, user, attach) by the bucket Job; secret keys from the secret store', () => {
    const script: string = jobs[0].spec.template.spec.containers[0].command[2];
    expect(script).toContain("mc admin policy create store bucket-uploads-rw /dev/stdin <<'EOF'\n");
    expect(script).toContain(
      'mc admin user add store uploads-rw "$USER_SECRET_0"\nmc admin policy attach store bucket-uploads-rw --user uploads-rw\n',
    );
    const policy = JSON.parse(/bucket-uploads-rw \/dev\/stdin <<'EOF'\n(.*)\nEOF/.exec(script)![1]);
    expect(policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: ['arn:aws:s3:::uploads'] },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: ['arn:aws:s3:::uploads/*'],
      },
    ]);
    expect(JSON.stringify(policy)).not.toContain('"*"');
    expect(objectOf(app, 'ExternalSecret', 'minio-uploads-rw').spec.data).toEqual([
      { secretKey: 'secret-key', remoteRef: { key: 'test/prod/minio-uploads-rw', property: 'secret-key' } },
    ]);
    // One user per bucket and access level, however often it is asked for; read-only users only get.
    expect(uploads.user('readwrite')).toBe(uploads.user('readwrite'));
    const ro = bucketPolicyJson(uploads.user('read'));
    expect(JSON.parse(ro).Statement[1].Action).toEqual(['s3:GetObject']);
  });

  test('no literal secret anywhere (access key ids are names, not secrets)', () => {
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/"name":"(MINIO_ROOT_PASSWORD|AWS_SECRET_ACCESS_KEY|MINIO_ROOT_USER)","value"/);
    expect(text).not.toMatch(/USER_SECRET_\d+","value"/);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  testStrictSchemaValidation(() => objects);
});

describe('ObjectStore defaults', () => {
  test('no buckets, no Job; every policy rule passes with generated credentials in dev and prod', () => {
    for (const env of [testEnv('dev'), testEnv('prod')]) {
      const { app, chart } = testChart(env);
      const secret = new SystemSecret(chart, 'minio-credentials', { keys: ['root-user', 'root-password'] });
      new ObjectStore(chart, 'minio', { storage: '1Gi', credentials: secret, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
      expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
      expect(objectsOf(app, 'Job')).toEqual([]);
      const { app: app2, chart: chart2 } = testChart(env);
      const secret2 = new SystemSecret(chart2, 'minio-credentials', { keys: ['root-user', 'root-password'] });
      new ObjectStore(chart2, 'minio', { storage: '1Gi', credentials: secret2, resources }).noBackup(NOT_BACKED_UP_IN_TEST).addBucket('files', {
        expireAfter: Duration.days(7),
        versioning: true,
      });
      expect(errorsOf(app2, DEFAULT_RULES)).toEqual([]);
      expect(objectsOf(app2, 'Job')).toHaveLength(1);
    }
  });
});

describe('ObjectStore bad input', () => {
  const base: ObjectStoreProps = { storage: '1Gi', credentials, resources };
  const errors = (props: { readonly [K in keyof ObjectStoreProps]?: unknown }, buckets: Array<[string, object?]> = []) => {
    const { app, chart } = testChart();
    const store = new ObjectStore(chart, 'minio', { ...base, ...props } as unknown as ObjectStoreProps).noBackup(NOT_BACKED_UP_IN_TEST);
    for (const [name, options] of buckets) store.addBucket(name, options);
    return errorsOf(app);
  };

  test.each([
    ['ab', /3 to 63 characters/],
    ['b'.repeat(64), /3 to 63 characters/],
    ['Uploads', /lower-case letters, digits/],
    ['my_bucket', /lower-case letters, digits/],
    ['-uploads', /start and end with a letter or digit/],
    ['up..loads', /two adjacent periods/],
    ['192.168.1.1', /IP address/],
    ['xn--bucket', /prefix S3 reserves/],
    ['files-s3alias', /suffix S3 reserves/],
  ])('bucket %s is rejected', (name, message) => {
    const found = errors({}, [[name]]);
    expectOneError(found, 'test-prod/minio', `buckets.${name}`, message);
  });

  test('bucket names S3 accepts', () => {
    for (const name of ['abc', 'uploads', 'techshop.backups', 'a-b-1', 'b'.repeat(63)]) expect(checkBucketName(name)).toBeUndefined();
  });

  test('expiry days, duplicate buckets, storage, version, shared keys, region', () => {
    expect(errors({}, [['logs', { expireAfter: Duration.hours(36) }]])).toEqual([
      "[test-prod/minio] buckets.logs.expireAfter: 36h is not whole days (MinIO's expiry counts days)",
    ]);
    expect(errors({}, [['logs', { expireAfter: 7 as never }]])).toEqual([
      '[test-prod/minio] buckets.logs.expireAfter: must be a Duration such as Duration.days(30) (is number 7)',
    ]);
    expect(errors({}, [['logs'], ['logs']])).toEqual(['[test-prod/minio] buckets.logs: is added more than once']);
    expect(errors({ storage: '0' })).toContainEqual('[test-prod/minio] storage: must be greater than zero');
    expect(errors({ storage: 'lots' })).toContainEqual("[test-prod/minio] storage: 'lots' is not a valid quantity (e.g. 10Gi)");
    expect(errors({ version: '2023' })).toEqual(["[test-prod/minio] version: '2023' is not a supported MinIO version (supported: 2025)"]);
    expect(errors({ credentialKeys: { secretKey: 'root-user' } })).toEqual([
      "[test-prod/minio] credentialKeys.secretKey: 'root-user' is also credentialKeys.accessKey; the access key and the secret key are different values",
    ]);
    expect(errors({ region: 'EU West' })).toEqual([
      "[test-prod/minio] region: 'EU West' is not a region name (lower-case letters, digits and '-', e.g. us-east-1)",
    ]);
  });
});
