import * as fs from 'fs';
import { App } from 'cdk8s';
import { MigrationJob, Probe, runSynthCli, SecurityException, synthesize, WebService, Worker } from '../../lib';
import { SystemNamespace } from '../../lib/security/system-namespace';
import { podSecurityRestricted } from '../../lib/policy/rules/pod-security';
import { errorsOf, render, testChart, tmpdir, UNUSED_OUTDIR } from '../support/synth';
import { expectOneError } from '../support/construct-tests';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const base = { image: 'registry.stackworks.io/org/git:1.0.0', readiness: Probe.http('/ready'), resources };

/** The one object of `kind` named `name`, rendered with the restricted rule (the rule exceptions waive must exist). */
function objectOf(app: App, kind: string, name: string): Record<string, any> {
  const found = render(app, [podSecurityRestricted]).objects.filter((o) => o.object.kind === kind && o.object.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0].object;
}

function gitService(exception: unknown, ports = [{ name: 'ssh', port: 22 }]): { app: App; errors: string[] } {
  const { app, chart } = testChart();
  new WebService(chart, 'git', { ...base, ports, securityException: exception as SecurityException });
  return { app, errors: errorsOf(app, [podSecurityRestricted]) };
}

describe('NET_BIND_SERVICE: the one capability restricted admits', () => {
  const { app, errors } = gitService({ addCapabilities: ['NET_BIND_SERVICE'], reason: 'existing clones use ssh://git.example.org:22' });

  test('a privileged port with NET_BIND_SERVICE added synthesizes, with the restricted policy rule on and no waiver', () => {
    expect(errors).toEqual([]);
    expect(render(app, [podSecurityRestricted]).waivers).toEqual([]);
  });

  test('the container adds exactly NET_BIND_SERVICE after dropping ALL; everything else stays restricted', () => {
    const c = objectOf(app, 'Deployment', 'git').spec.template.spec.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 10001,
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test("the community linters' capability check is waived on the Deployment with the reason", () => {
    const annotations = objectOf(app, 'Deployment', 'git').metadata.annotations;
    expect(Object.values(annotations)).toContain(
      'CKV_K8S_25=security exception (adds NET_BIND_SERVICE): existing clones use ssh://git.example.org:22',
    );
  });

  test('the namespace stays restricted', () => {
    expect(objectOf(app, 'Namespace', 'test-prod').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('the privileged-port refusal says how to add the capability', () => {
    const { errors: refused } = gitService(undefined);
    expect(refused.join('\n')).toMatch(
      /declare securityException: \{ addCapabilities: \['NET_BIND_SERVICE'\], reason \} \(admitted by Pod Security restricted\)/,
    );
  });
});

describe('a start as root that drops privileges', () => {
  const exception = {
    startAsRoot: true,
    addCapabilities: ['SETUID', 'SETGID', 'CHOWN'],
    reason: 'the entrypoint chowns the repository volume, then su-execs to uid 10001',
    lowerNamespaceTo: 'baseline',
  };

  test('without lowering the namespace it is refused, with what restricted refuses and what to do', () => {
    const { errors } = gitService({ ...exception, lowerNamespaceTo: undefined }, [{ name: 'http', port: 3000 }] as never);
    expectOneError(
      errors,
      'test-prod/git',
      'securityException',
      /needs Pod Security baseline for a start as root \(runAsNonRoot: false, runAsUser: 0\) and the capabilities SETUID, SETGID, CHOWN .*namespace 'test-prod' enforces restricted.*set lowerNamespaceTo: 'baseline'/,
    );
  });

  test("a chart's own restricted SystemNamespace is not lowered behind its back: refused, with what to do", () => {
    const { app, chart } = testChart();
    new SystemNamespace(chart, 'namespace', { name: chart.namespaceName });
    new WebService(chart, 'git', { ...base, ports: [{ name: 'http', port: 3000 }], securityException: exception as SecurityException });
    expectOneError(
      errorsOf(app, [podSecurityRestricted]),
      'test-prod/git',
      'securityException.lowerNamespaceTo',
      /cannot lower namespace 'test-prod': the chart made its own SystemNamespace \(test-prod\/namespace\) enforcing restricted; give it podSecurity: 'baseline'/,
    );
  });

  describe('lowered by the same decision', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'git', { ...base, ports: [{ name: 'http', port: 3000 }], securityException: exception as SecurityException });
    const other = new Worker(chart, 'indexer', { image: 'registry.stackworks.io/org/indexer:1.0.0', resources });

    test('synthesizes; the restricted policy rule is waived with the reason', () => {
      expect(errorsOf(app, [podSecurityRestricted])).toEqual([]);
      expect(render(app, [podSecurityRestricted]).waivers).toEqual([
        expect.objectContaining({
          object: 'Deployment git',
          rule: 'pod-security-restricted',
          reason: expect.stringContaining('starts as root and drops privileges; adds SETUID, SETGID, CHOWN'),
        }),
      ]);
    });

    test('the main container starts as uid 0; the pod and the other containers keep the non-root user', () => {
      const pod = objectOf(app, 'Deployment', 'git').spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(pod.containers[0].securityContext).toMatchObject({
        runAsNonRoot: false,
        runAsUser: 0,
        allowPrivilegeEscalation: false,
        capabilities: { add: ['CHOWN', 'SETGID', 'SETUID'], drop: ['ALL'] },
      });
      expect(objectOf(app, 'Deployment', 'indexer').spec.template.spec.containers[0].securityContext.runAsNonRoot).toBe(true);
      expect(other.container.securityException).toBeUndefined();
    });

    test('the namespace enforces, audits and warns at baseline, with the reason', () => {
      const ns = objectOf(app, 'Namespace', 'test-prod');
      for (const mode of ['enforce', 'audit', 'warn']) expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('baseline');
      expect(ns.metadata.annotations['cdk8s-stacks.io/pod-security-reason']).toMatch(
        /^git starts as root and drops privileges.*su-execs to uid 10001$/,
      );
    });
  });
});

describe('a writable root filesystem', () => {
  const { app, errors } = gitService({ writableRootFilesystem: true, reason: 'the image unpacks its plugins next to its binary' }, [
    { name: 'http', port: 3000 },
  ] as never);

  test('is admitted by restricted: readOnlyRootFilesystem false, the namespace stays restricted, the project rule is waived with the reason', () => {
    expect(errors).toEqual([]);
    expect(objectOf(app, 'Deployment', 'git').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    expect(objectOf(app, 'Namespace', 'test-prod').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(render(app, [podSecurityRestricted]).waivers.map((w) => w.reason)).toEqual([
      'security exception (writable root filesystem): the image unpacks its plugins next to its binary',
    ]);
  });
});

describe('refusals name the field and say what to do', () => {
  test.each([
    ['no reason', { addCapabilities: ['NET_BIND_SERVICE'] }, 'securityException.reason', /is required: say why/],
    ['a blank reason', { addCapabilities: ['NET_BIND_SERVICE'], reason: '  ' }, 'securityException.reason', /is required/],
    [
      'a capability outside baseline',
      { addCapabilities: ['SYS_ADMIN'], reason: 'x' },
      'securityException.addCapabilities[0]',
      /'SYS_ADMIN' cannot be added: Pod Security baseline allows only AUDIT_WRITE, CHOWN,.*SYS_CHROOT/,
    ],
    ['a CAP_ prefix', { addCapabilities: ['CAP_NET_BIND_SERVICE'], reason: 'x' }, 'securityException.addCapabilities[0]', /without the CAP_ prefix/],
    [
      'root without SETUID/SETGID',
      { startAsRoot: true, reason: 'x', lowerNamespaceTo: 'baseline' },
      'securityException.addCapabilities',
      /needs SETUID and SETGID/,
    ],
    ['an exception granting nothing', { reason: 'x' }, 'securityException', /grants nothing/],
    [
      'lowering for what restricted admits',
      { addCapabilities: ['NET_BIND_SERVICE'], reason: 'x', lowerNamespaceTo: 'baseline' },
      'securityException.lowerNamespaceTo',
      /is not needed: Pod Security restricted admits adds NET_BIND_SERVICE; remove lowerNamespaceTo/,
    ],
    [
      'lowering to privileged',
      { writableRootFilesystem: true, reason: 'x', lowerNamespaceTo: 'privileged' },
      'securityException.lowerNamespaceTo',
      /must be 'baseline'/,
    ],
    ['a string flag', { writableRootFilesystem: 'yes', reason: 'x' }, 'securityException.writableRootFilesystem', /must be true or false/],
    ['not an object', 'NET_BIND_SERVICE', 'securityException', /must be an object \{ reason, addCapabilities\?/],
    ['a reason with =', { writableRootFilesystem: true, reason: 'PLUGINS=on' }, 'securityException.reason', /must not contain '='/],
  ])('%s', (_name, exception, field, message) => {
    const { errors } = gitService(exception, [{ name: 'http', port: 3000 }] as never);
    expect(errors.filter((e) => e.startsWith(`[test-prod/git] ${field}: `))).toEqual([expect.stringMatching(message)]);
  });

  test('runAs.user 0 says how to start as root and drop privileges', () => {
    const { app, chart } = testChart();
    new Worker(chart, 'w', { image: 'registry.stackworks.io/org/w:1.0.0', resources, runAs: { user: 0 } });
    expect(errorsOf(app).join('\n')).toMatch(
      /runAs.user: 0 \(root\) is not allowed.*securityException: \{ startAsRoot: true, addCapabilities: \['SETUID', 'SETGID'\], reason \}/,
    );
  });

  test('a migration gate does not inherit the exception (only the main container has it)', () => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'git', {
      ...base,
      ports: [{ name: 'ssh', port: 22 }],
      securityException: { addCapabilities: ['NET_BIND_SERVICE'], reason: 'ssh on 22' },
    });
    new MigrationJob(chart, 'migrate', { image: 'registry.stackworks.io/org/git:1.0.0', resources, command: ['migrate'], readyCheck: 'true' }).gate(
      api,
    );
    const init = objectOf(app, 'Deployment', 'git').spec.template.spec.initContainers[0];
    expect(init.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });
});

describe('visible in the synth summary and the README', () => {
  function build(): App {
    const { app, chart } = testChart();
    new WebService(chart, 'git', {
      ...base,
      ports: [{ name: 'ssh', port: 22 }],
      securityException: { addCapabilities: ['NET_BIND_SERVICE'], reason: 'existing clones use port 22' },
    });
    return app;
  }

  test('synthesize() returns the exceptions; the CLI prints them', () => {
    expect(synthesize(build(), { outdir: UNUSED_OUTDIR, dryRun: true, rules: [podSecurityRestricted] }).securityExceptions).toEqual([
      { folder: 'prod/test', workload: 'test-prod/git', grants: 'adds NET_BIND_SERVICE', level: 'restricted', reason: 'existing clones use port 22' },
    ]);
    const lines: string[] = [];
    expect(runSynthCli({ build, outdir: tmpdir('exceptions-cli'), rules: [], log: (l) => lines.push(l), error: (l) => lines.push(l) })).toBe(0);
    expect(lines).toContain('Security exceptions: 1');
    expect(lines).toContain('  prod/test test-prod/git (adds NET_BIND_SERVICE; admitted by restricted): existing clones use port 22');
  });

  test('the README lists them with the namespace level', () => {
    const out = tmpdir('exceptions-readme');
    synthesize(build(), { outdir: out, rules: [podSecurityRestricted] });
    const readme = fs.readFileSync(`${out}/prod/test/README.md`, 'utf8');
    expect(readme).toContain('(Pod Security `restricted`, enforced)');
    expect(readme).toContain('## Pod Security exceptions');
    expect(readme).toContain('| git | adds NET_BIND_SERVICE | `restricted` | existing clones use port 22 |');
  });
});
