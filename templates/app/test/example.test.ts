import { synthSystem } from 'cdk8s-stacks/testing';
import { ENVIRONMENTS } from '../environments';
import { ExampleSystem } from '../systems/example';

// synthSystem renders one system in one environment in memory, as `npm run synth` does (construct
// validation, the Kubernetes API of the profile's release, policy rules), and writes nothing.
// Invalid props make it throw with every problem and the construct path of each.

test('prod runs three replicas of the web service behind TLS', () => {
  const prod = synthSystem(ExampleSystem, ENVIRONMENTS.prod);
  expect(prod.find('Deployment', 'web').spec.replicas).toBe(3);
  const [ingress] = prod.all('Ingress');
  expect(ingress.spec.tls[0].hosts).toEqual(['example.my-company.io']);
});

test('the web service reaches Redis through environment variables', () => {
  const dev = synthSystem(ExampleSystem, ENVIRONMENTS.dev);
  const names = dev.find('Deployment', 'web').spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
  expect(names).toEqual(expect.arrayContaining(['REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD']));
});

// The manifests of each environment, compared with test/__snapshots__/ (one YAML document per
// object, sorted). After a deliberate change: `npm run test:update`, review the diff, commit it.
test.each(['dev', 'staging', 'prod'] as const)('%s manifests match the snapshot', (env) => {
  expect(synthSystem(ExampleSystem, ENVIRONMENTS[env])).toMatchSnapshot();
});
