import { MigrationJob, Probe, PublicEndpoint, WebService, Worker } from '../../lib';
import { errorsOf, objectOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const base = { image: 'registry.stackworks.io/org/git:1.0.0', readiness: Probe.http('/ready'), resources };

describe('a Service port independent of the container port', () => {
  const { app, chart } = testChart(testEnv('prod'));
  const git = new WebService(chart, 'git', {
    ...base,
    ports: [
      { name: 'http', port: 3000, servicePort: 80 },
      { name: 'ssh', port: 2222, servicePort: 22 },
      { name: 'metrics', port: 9100 },
    ],
  });
  const client = new Worker(chart, 'client', { image: 'registry.stackworks.io/org/client:1.0.0', resources });
  client.connections.allowTo(git, { port: 'ssh' });
  new PublicEndpoint(chart, 'public', { host: 'git.example.com', backend: git, port: 'http', tls: false });

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test.each([
    ['http', 80, 3000],
    ['ssh', 22, 2222],
    ['metrics', 9100, 9100],
  ])('the Service exposes %s on %d and targets the container port %d by name', (name, port, containerPort) => {
    expect(objectOf(app, 'Service', 'git').spec.ports).toContainEqual({ name, port, targetPort: name, protocol: 'TCP' });
    expect(objectOf(app, 'Deployment', 'git').spec.template.spec.containers[0].ports).toContainEqual({
      name,
      containerPort,
      protocol: 'TCP',
    });
  });

  test('the Ingress routes to the Service port by name; the ingress controller may reach the container port', () => {
    const ingress = objectOf(app, 'Ingress', 'public');
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'git', port: { name: 'http' } } });
    const policy = objectOf(app, 'NetworkPolicy', 'git');
    const fromController = policy.spec.ingress.find((r: any) => JSON.stringify(r.from).includes('ingress-nginx'));
    expect(fromController.ports).toEqual([{ port: 3000, protocol: 'TCP' }]);
  });

  test('a connection by port name reaches the container port (NetworkPolicies see pod ports)', () => {
    const policy = objectOf(app, 'NetworkPolicy', 'git');
    const fromClient = policy.spec.ingress.find((r: any) => JSON.stringify(r.from).includes('"client"'));
    expect(fromClient.ports).toEqual([{ port: 'ssh', protocol: 'TCP' }]);
  });
});

describe('service ports: defaults and refusals', () => {
  function build(ports: unknown, kind: 'web' | 'worker' | 'migration' = 'web'): string[] {
    const { app, chart } = testChart();
    const props = { ...base, ports: ports as never };
    if (kind === 'web') new WebService(chart, 'svc', props);
    else if (kind === 'worker') new Worker(chart, 'svc', props);
    else new MigrationJob(chart, 'svc', { ...props, command: ['migrate'], readyCheck: 'true' });
    return errorsOf(app);
  }

  test('without servicePort the Service port is the container port (unchanged behaviour)', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'svc', { ...base, ports: [{ name: 'http', port: 8080 }] });
    expect(objectOf(app, 'Service', 'svc').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test.each([
    ['80 with servicePort 80 on a WebService', [{ name: 'http', port: 80, servicePort: 80 }], 'web', 'ports[0].port', /80 is a privileged port/],
    ['80 on a WebService', [{ name: 'http', port: 80 }], 'web', 'ports[0].port', /set servicePort: 80 so clients keep using it/],
    ['22 on a Worker', [{ name: 'ssh', port: 22 }], 'worker', 'ports[0].port', /listen on a port of 1024 or above \(e.g. 8022\)/],
    ['443 on a Job', [{ name: 'https', port: 443 }], 'migration', 'ports[0].port', /without the NET_BIND_SERVICE capability/],
    ['servicePort 0', [{ name: 'http', port: 8080, servicePort: 0 }], 'web', 'ports[0].servicePort', /0 must be an integer from 1 to 65535/],
    ['servicePort 70000', [{ name: 'http', port: 8080, servicePort: 70000 }], 'web', 'ports[0].servicePort', /70000 must be an integer/],
    [
      'servicePort as a string',
      [{ name: 'http', port: 8080, servicePort: '80' }],
      'web',
      'ports[0].servicePort',
      /80 must be an integer from 1 to 65535/,
    ],
    [
      'two ports on one Service port',
      [
        { name: 'http', port: 8080, servicePort: 80 },
        { name: 'alt', port: 80 },
      ],
      'web',
      'ports[1].servicePort',
      /80 is also the Service port of 'http'; each port needs its own Service port/,
    ],
  ] as const)('%s is refused', (_name, ports, kind, field, message) => {
    const errors = build(ports, kind).filter((e) => e.includes(`] ${field}: `));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(errors.every((e) => e.startsWith('[test-prod/svc] '))).toBe(true);
  });

  test.each([
    [[{ name: 'http', port: 1024 }], 'web'],
    [[{ name: 'http', port: 8080, servicePort: 80 }], 'web'],
    [[{ name: 'ssh', port: 2222, servicePort: 22 }], 'worker'],
  ] as const)('%j is accepted', (ports, kind) => {
    expect(build(ports, kind)).toEqual([]);
  });
});
