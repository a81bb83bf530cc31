/**
 * ChatNomina's disaster recovery (the seed's plan: identify the failure, activate the backup
 * site, restore the data, verify, redirect traffic with Route 53, monitor): prod's public host is
 * a PRIMARY Route 53 failover record, and the prod README carries the six steps with the names
 * of what prod deploys (its host, its edge, its CloudNativePG cluster and archive).
 */
import { readmeOf } from './support';

describe('ChatNomina prod: disaster recovery in the README', () => {
  const readme = readmeOf('chatnomina', 'prod');
  const section = readme.slice(readme.indexOf('## Disaster recovery'), readme.indexOf('## Observability'));

  test('the section names the failover pair of the host and says no backup site is deployed here', () => {
    expect(section).toContain('PRIMARY half of Route 53 failover pairs (set identifier `prod-us-east-1`');
    expect(section).toContain('`api.chatnomina.com`');
    expect(section).toContain('No backup site is deployed from this repository');
  });

  test("the backup site's database: a replica cluster of prod's archive, named as prod archives it", () => {
    expect(section).toContain(
      "`db`: `engine.replicaOf: { target: BackupTarget.s3({ bucket: 'chatnomina-backups-prod', prefix: 'chatnomina-prod/cnpg', region: 'us-east-1', accessKeyId, secretAccessKey }) }`",
    );
    expect(section).toContain('s3://chatnomina-backups-prod/chatnomina-prod/cnpg/db/');
  });

  test('the six steps, in order, with the commands for what is deployed', () => {
    const steps = [
      '# 1. Identify the failure',
      '# 2. Activate the backup site',
      '# 3. Restore the data',
      '# 4. Verify',
      '# 5. Redirect traffic',
      '# 6. Monitor',
    ];
    const at = steps.map((s) => section.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(section).toContain("aws route53 list-hosted-zones-by-name --dns-name chatnomina.com --query 'HostedZones[0].Id' --output text");
    expect(section).toContain(`kubectl -n chatnomina-prod patch cluster db --type merge -p '{"spec":{"replica":{"enabled":false}}}'`);
    expect(section).toContain('kubectl -n ingress-nginx get service ingress-nginx-controller');
    expect(section).toContain('kubectl -n ingress-nginx scale deployment ingress-nginx-controller --replicas=0');
    expect(section).toContain('--connect-to api.chatnomina.com:443:$LB:443 https://api.chatnomina.com/');
  });
});

test('staging (no failover) has no disaster recovery section', () => {
  expect(readmeOf('chatnomina', 'staging')).not.toContain('## Disaster recovery');
});
