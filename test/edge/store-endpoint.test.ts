/** A PublicEndpoint routed straight to a store's data port (MinIO's S3 API, a database) is refused. */
import { ExistingSecret, MySql, ObjectStore, ObjectStoreGateway, PublicEndpoint, Redis } from '../../lib';
import { errorsOf, testChart } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';
import { resources } from './support';

describe('an endpoint routed to a store', () => {
  test("MinIO's S3 port: refused, naming the gateway as the way out", () => {
    const { app, chart } = testChart();
    const minio = new ObjectStore(chart, 'minio', {
      storage: '10Gi',
      credentials: ExistingSecret.named('minio', ['root-user', 'root-password']),
      resources,
    });
    minio.noBackup(NOT_BACKED_UP_IN_TEST);
    new PublicEndpoint(chart, 'files', { host: 'files.stackworks.io', backend: minio, tls: false });
    expect(errorsOf(app)).toContainEqual(
      `[test-prod/files] backend: test-prod/minio is a data store and 'api' (9000) its data port, which an endpoint would open to the internet with the store's ` +
        'own accounts and no way to restrict what they do; route public reads of a bucket to an ObjectStoreGateway (GET and HEAD of one bucket, anonymous) instead',
    );
  });

  test('a database port: refused, naming the application as the way out', () => {
    const { app, chart } = testChart();
    const db = new MySql(chart, 'db', {
      database: 'shop',
      user: 'shop',
      storage: '10Gi',
      credentials: ExistingSecret.named('db', ['root-password', 'password']),
      resources,
    });
    db.noBackup(NOT_BACKED_UP_IN_TEST);
    new PublicEndpoint(chart, 'sql', { host: 'sql.stackworks.io', backend: db, tls: false });
    expect(errorsOf(app)).toContainEqual(
      expect.stringMatching(/^\[test-prod\/sql\] backend: test-prod\/db is a data store and '\w+' \(3306\) its data port, .*connect\(\)s to it/),
    );
  });

  test('a Redis port through hosts[].routes[]: the error names the route field', () => {
    const { app, chart } = testChart();
    const cache = new Redis(chart, 'cache', {
      use: 'cache',
      storage: '1Gi',
      credentials: ExistingSecret.named('cache', ['redis-password']),
      resources,
    });
    cache.noBackup(NOT_BACKED_UP_IN_TEST);
    new PublicEndpoint(chart, 'cache-edge', { hosts: [{ host: 'cache.stackworks.io', routes: [{ backend: cache }] }], tls: false });
    expect(errorsOf(app).filter((e) => e.includes('data store'))).toEqual([
      expect.stringMatching(
        /^\[test-prod\/cache-edge\] hosts\[0\]\.routes\[0\]\.backend: test-prod\/cache is a data store and 'redis' \(6379\) its data port/,
      ),
    ]);
  });

  test('the ObjectStoreGateway in front of a public bucket is the accepted route', () => {
    const { app, chart } = testChart();
    const minio = new ObjectStore(chart, 'minio', {
      storage: '10Gi',
      credentials: ExistingSecret.named('minio', ['root-user', 'root-password']),
      resources,
    });
    minio.noBackup(NOT_BACKED_UP_IN_TEST);
    const bucket = minio.addBucket('assets', { publicRead: true });
    const gateway = new ObjectStoreGateway(chart, 'assets-gateway', { bucket });
    new PublicEndpoint(chart, 'files', { host: 'files.stackworks.io', backend: gateway, tls: false });
    expect(errorsOf(app).filter((e) => e.includes('data store'))).toEqual([]);
  });
});
