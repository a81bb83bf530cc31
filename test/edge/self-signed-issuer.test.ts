import { IIssuer, SelfSignedIssuer } from '../../lib';
import { errorsOf, objectOf, testChart, testEnv } from '../support/synth';

describe('SelfSignedIssuer', () => {
  test('a namespaced Issuer by default', () => {
    const { app, chart } = testChart(testEnv('dev'));
    const issuer = new SelfSignedIssuer(chart, 'self-signed');
    expect(errorsOf(app)).toEqual([]);
    const object = objectOf(app, 'Issuer', 'self-signed');
    expect(object).toMatchObject({ apiVersion: 'cert-manager.io/v1', metadata: { namespace: 'test-dev' }, spec: { selfSigned: {} } });
    expect(issuer).toMatchObject({ issuerKind: 'Issuer', trust: 'self-signed', issuesWildcards: true });
    expect((issuer as IIssuer).http01).toBeUndefined();
  });

  test('a ClusterIssuer when asked, named after the namespace', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new SelfSignedIssuer(chart, 'self-signed', { scope: 'cluster' });
    expect(objectOf(app, 'ClusterIssuer', 'test-dev-self-signed').spec).toEqual({ selfSigned: {} });
  });

  test('an invalid name is reported', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new SelfSignedIssuer(chart, 'self-signed', { name: 'Self Signed' });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/^\[test-dev\/self-signed\] name: 'Self Signed' must consist of lower case/)]);
  });
});
