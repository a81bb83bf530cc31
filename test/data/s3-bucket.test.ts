import { App } from 'cdk8s';
import { ExistingSecret, ObjectStore, Probe, S3Bucket, S3BucketProps, SystemChart, SystemSecret, WebService } from '../../lib';
import { errorsOf, objectOf, render, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

function web(chart: SystemChart, id = 'api'): WebService {
  return new WebService(chart, id, {
    image: `registry.stackworks.io/org/${id}:1.0.0`,
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/'),
    resources,
  });
}

type Env = Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
const envOf = (app: App, name = 'api'): Env => objectOf(app, 'Deployment', name).spec.template.spec.containers[0].env;

describe('S3Bucket of AWS S3 used by a workload', () => {
  const { app, chart } = testChart(testEnv('prod'));
  const api = web(chart);
  const keys = new SystemSecret(chart, 'files-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  new S3Bucket(chart, 'files', { bucket: 'shop-files-prod', region: 'eu-west-1', credentials: keys }).useIn(api);

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('the workload gets the endpoint, region, bucket and path style, and the key pair by reference only', () => {
    const env = envOf(app);
    const value = (name: string) => env.find((e) => e.name === name);
    expect(value('S3_ENDPOINT')).toEqual({ name: 'S3_ENDPOINT', value: 'https://s3.eu-west-1.amazonaws.com' });
    expect(value('AWS_REGION')).toEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
    expect(value('S3_BUCKET')).toEqual({ name: 'S3_BUCKET', value: 'shop-files-prod' });
    expect(value('S3_FORCE_PATH_STYLE')).toEqual({ name: 'S3_FORCE_PATH_STYLE', value: 'false' });
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      expect(value(key)).toEqual({ name: key, valueFrom: { secretKeyRef: { name: 'files-s3', key } } });
  });

  test('the keys come from the secret backend (an ExternalSecret), never as values', () => {
    const external = objectOf(app, 'ExternalSecret', 'files-s3');
    expect(external.spec.data.map((d: { secretKey: string }) => d.secretKey)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  });

  test('the pods may reach port 443 outside the cluster, and not the cluster ranges', () => {
    const egress = objectOf(app, 'NetworkPolicy', 'api').spec.egress;
    const https = egress.find((rule: { ports?: Array<{ port: number }> }) => rule.ports?.some((p) => p.port === 443));
    expect(https.to[0].ipBlock.cidr).toBe('0.0.0.0/0');
    expect(https.to[0].ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
  });
});

test('an S3-compatible endpoint outside the cluster: its URL and port, and names an application chooses', () => {
  const { app, chart } = testChart(testEnv('staging'));
  const api = web(chart);
  new S3Bucket(chart, 'files', {
    bucket: 'files',
    endpoint: 'https://objects.stackworks.io:9443',
    credentials: ExistingSecret.named('objects', ['id', 'secret']),
    credentialKeys: { accessKeyId: 'id', secretAccessKey: 'secret' },
  }).useIn(api, { names: { bucket: 'FILES_BUCKET', endpoint: 'FILES_ENDPOINT' } });
  expect(errorsOf(app)).toEqual([]);
  const env = envOf(app);
  expect(env).toContainEqual({ name: 'FILES_ENDPOINT', value: 'https://objects.stackworks.io:9443' });
  expect(env).toContainEqual({ name: 'FILES_BUCKET', value: 'files' });
  expect(env).toContainEqual({ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'objects', key: 'id' } } });
  const egress = objectOf(app, 'NetworkPolicy', 'api').spec.egress;
  expect(egress.some((rule: { ports?: Array<{ port: number }> }) => rule.ports?.some((p) => p.port === 9443))).toBe(true);
});

test('a MinIO of the cluster and an S3Bucket give an application the same variable names', () => {
  const { app, chart } = testChart(testEnv('dev'));
  const onMinio = web(chart, 'on-minio');
  const onS3 = web(chart, 'on-s3');
  const minio = new ObjectStore(chart, 'minio', {
    storage: '1Gi',
    credentials: new SystemSecret(chart, 'root', { keys: ['root-user', 'root-password'] }),
  });
  minio.noBackup({ reason: 'a test of variable names, nothing is stored' });
  onMinio.connect(minio, { env: minio.s3Env({ bucket: minio.addBucket('files') }) });
  new S3Bucket(chart, 'files', {
    bucket: 'files',
    credentials: new SystemSecret(chart, 'keys', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] }),
  }).useIn(onS3);
  expect(errorsOf(app)).toEqual([]);
  const names = (name: string) =>
    envOf(app, name)
      .map((e) => e.name)
      .filter((n) => n.startsWith('S3_') || n.startsWith('AWS_'))
      .sort();
  expect(names('on-s3')).toEqual(names('on-minio'));
  expect(names('on-s3')).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'S3_BUCKET', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE']);
});

describe('bad input is a collected error naming the field', () => {
  const keys = (chart: SystemChart) => new SystemSecret(chart, 'keys', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  const errors = (props: Partial<S3BucketProps> | ((chart: SystemChart) => Partial<S3BucketProps>), use = true) => {
    const { app, chart } = testChart(testEnv('prod'));
    const api = web(chart);
    const given = typeof props === 'function' ? props(chart) : props;
    const bucket = new S3Bucket(chart, 'files', { bucket: 'files', credentials: keys(chart), ...given } as S3BucketProps);
    if (use) bucket.useIn(api);
    return errorsOf(app);
  };

  test.each([
    [{ bucket: 'Files' }, /\[test-prod\/files\] bucket: 'Files' may only contain lower-case letters/],
    [{ bucket: 'ab' }, /bucket: 'ab' must be 3 to 63 characters long/],
    [{ region: 'US East' }, /region: 'US East' is not a region name/],
    [{ endpoint: 'http://objects.stackworks.io' }, /endpoint: "http:\/\/objects.stackworks.io" must be an https URL without a path/],
    [{ endpoint: 'https://objects.stackworks.io/files' }, /must be an https URL without a path/],
    [
      { endpoint: 'https://minio.shop-prod.svc:9000' },
      /endpoint: 'https:\/\/minio.shop-prod.svc:9000' resolves only inside the cluster; .*ObjectStore/,
    ],
    [
      { credentialKeys: { accessKeyId: 'id' } },
      /credentialKeys.accessKeyId: 'id' is not a key of .*keys.* \(it holds AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY\)/,
    ],
    [{ credentialKeys: { accessKeyId: 'AWS_SECRET_ACCESS_KEY' } }, /credentialKeys: both keys are 'AWS_SECRET_ACCESS_KEY'/],
    [{ credentials: undefined }, /credentials/],
    [{ bucket: 42 as unknown as string }, /bucket/],
  ])('%j', (props, message) => {
    expect(errors(props).join('\n')).toMatch(message);
  });

  test('variable names are checked', () => {
    const { app, chart } = testChart(testEnv('prod'));
    new S3Bucket(chart, 'files', { bucket: 'files', credentials: keys(chart) }).useIn(web(chart), { names: { bucket: 'FILES BUCKET' } });
    expect(errorsOf(app).join('\n')).toMatch(/useIn\[0\].names: "FILES BUCKET" is not a variable name/);
  });

  test('a bucket nobody uses is reported', () => {
    const { app, chart } = testChart(testEnv('prod'));
    web(chart);
    new S3Bucket(chart, 'files', { bucket: 'files', credentials: keys(chart) });
    // A warning, not an error: synthesizing goes on.
    expect(errorsOf(app)).toEqual([]);
    expect(render(app).warnings.map((w) => `[${w.path}] ${w.message}`)).toContain(
      '[test-prod/files] useIn: no workload uses this bucket; call useIn(workload) or remove it',
    );
  });
});
