import * as fs from 'fs';
import * as path from 'path';
import { scanObject, scanTree } from '../support/secret-scan';
import { tmpdir } from '../support/synth';

const DIST = path.join(__dirname, '..', '..', 'dist');

test('dist/ contains no credential', () => {
  const { files, findings } = scanTree(DIST);
  expect(files).toBeGreaterThan(10);
  expect(findings).toEqual([]);
});

describe('the scanner', () => {
  test.each<[string, unknown, RegExp]>([
    ['a Secret with data', { kind: 'Secret', data: { DB_PASSWORD: 'cm9vdHBhc3N3b3Jk' } }, /a Secret with data/],
    ['base64 text anywhere (the Loopi seed)', { kind: 'ConfigMap', data: { x: 'cm9vdHBhc3N3b3Jk' } }, /base64-encoded text/],
    [
      'a literal password in env',
      { kind: 'Deployment', spec: { template: { spec: { containers: [{ env: [{ name: 'DB_PASSWORD', value: 'hunter22' }] }] } } } },
      /env DB_PASSWORD has a literal value/,
    ],
    ['a URL with a password', { kind: 'ConfigMap', data: { url: 'mongodb://admin:s3cret@mongo:27017' } }, /a URL with an inline password/],
    ['a private key', { kind: 'ConfigMap', data: { key: '-----BEGIN RSA PRIVATE KEY-----\nMIIB' } }, /a PEM private key/],
    ['an AWS key', { kind: 'ConfigMap', data: { id: 'AKIAIOSFODNN7EXAMPLE' } }, /an AWS access key id/],
  ])('catches %s', (_name, object, reason) => {
    expect(scanObject(object, 'f.yaml').map((f) => f.reason)).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
  });

  test('accepts references and $(VAR) expansion', () => {
    const ok = {
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            containers: [
              {
                env: [
                  { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
                  { name: 'REDIS_URL', value: 'redis://:$(REDIS_URL_PASSWORD)@cache:6379/0' },
                  { name: 'REDISCLI_AUTH', value: '$(REDIS_PASSWORD)' },
                ],
              },
            ],
          },
          metadata: { annotations: { 'checksum/config': 'a6dc28cfcb731dcc' } },
        },
      },
    };
    expect(scanObject(ok, 'f.yaml')).toEqual([]);
  });

  test('finds a leak planted in a copy of a tree', () => {
    const dir = tmpdir('leak');
    fs.writeFileSync(path.join(dir, '21-secret-x.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  DB_USER: cm9vdA==\n');
    expect(scanTree(dir).findings).toHaveLength(1);
  });
});
