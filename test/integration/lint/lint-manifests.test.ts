/**
 * Integration tests of `npm run lint:manifests` (scripts/lint/lint-manifests.sh): real kube-score
 * and checkov at the versions pinned in scripts/lint/versions.env, over fixture dists.
 *
 *   npx jest -c jest.integration.config.js test/integration/lint
 *
 * The first run installs the linters into .cache/lint (about two minutes cold).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';

const repo = path.resolve(__dirname, '../../..');
const script = path.join(repo, 'scripts/lint/lint-manifests.sh');
const fixtures = path.join(__dirname, 'fixtures');
const HARDENED = path.join(fixtures, 'hardened');
const DEPLOYMENT = 'dev/web/30-deployment-web.yaml';
const JOB = 'dev/web/restore/70-job-restore.yaml';

interface Finding {
  tool: string;
  check: string;
  severity: string;
  message: string;
  failing: boolean;
}
interface Waiver {
  tool: string;
  check: string;
  reason: string;
  where: string;
  suppressed?: boolean;
}
interface ReportObject {
  file: string;
  kind: string;
  namespace: string;
  name: string;
  passed: boolean;
  checkedBy: string[];
  findings: Finding[];
  waivers: Waiver[];
}
interface Report {
  errors: string[];
  objects: ReportObject[];
  passed: number;
  failed: number;
}
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  report: Report;
}

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-manifests-'));
  const install = spawnSync('bash', [path.join(repo, 'scripts/lint/install.sh')], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`install.sh failed:\n${install.stderr}`);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function lint(dist: string, env: NodeJS.ProcessEnv = {}): Run {
  const json = path.join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync('bash', [script, '--dist', dist, '--json', json], { encoding: 'utf8', env: { ...process.env, ...env } });
  const report = fs.existsSync(json)
    ? (JSON.parse(fs.readFileSync(json, 'utf8')) as Report)
    : ({ errors: [], objects: [], passed: 0, failed: 0 } as Report);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, report };
}

/** A copy of the hardened fixture dist, with `edit` applied to the YAML document of `file`. */
function hardenedWith(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'dist-'));
  fs.cpSync(HARDENED, dir, { recursive: true });
  const p = path.join(dir, file);
  const doc = parseDocument(fs.readFileSync(p, 'utf8'));
  edit(doc);
  fs.writeFileSync(p, String(doc));
  return dir;
}

function object(run: Run, kind: string, name: string): ReportObject {
  const o = run.report.objects.find((x) => x.kind === kind && x.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in report:\n${run.stdout}`);
  return o;
}

const failing = (o: ReportObject) =>
  o.findings
    .filter((f) => f.failing)
    .map((f) => `${f.tool}:${f.check}`)
    .sort();
const lastLine = (s: string) => s.trimEnd().split('\n').pop();

describe('a deliberately bad Deployment', () => {
  let run: Run;
  beforeAll(() => {
    run = lint(path.join(fixtures, 'bad'));
  });

  test('fails the run and ends with the counts', () => {
    expect(run.status).toBe(1);
    expect(lastLine(run.stdout)).toBe('0 passed, 2 failed');
  });

  test('reports the findings of both linters on the object', () => {
    const found = failing(object(run, 'Deployment', 'bad'));
    expect(found).toEqual(
      expect.arrayContaining([
        // no resources
        'kube-score:container-resources',
        'kube-score:container-ephemeral-storage-request-and-limit',
        'checkov:CKV_K8S_10',
        'checkov:CKV_K8S_11',
        'checkov:CKV_K8S_12',
        'checkov:CKV_K8S_13',
        // root
        'kube-score:container-security-context-user-group-id',
        'checkov:CKV_K8S_23',
        'checkov:CKV_K8S_40',
        // :latest
        'kube-score:container-image-tag',
        'checkov:CKV_K8S_14',
        // no probes (the Service targets it)
        'kube-score:pod-probes',
        'checkov:CKV_K8S_8',
        'checkov:CKV_K8S_9',
        // nothing around it
        'kube-score:pod-networkpolicy',
        'checkov:CKV2_K8S_6',
      ]),
    );
    expect(failing(object(run, 'Service', 'bad'))).toEqual(['kube-score:service-type']);
  });

  test('prints a readable block per object', () => {
    expect(run.stdout).toMatch(/^FAIL {2}\S*bad\/dev\/app\/30-deployment-bad\.yaml {2}Deployment shop\/bad$/m);
    expect(run.stdout).toMatch(/^ {8}✗ kube-score container-image-tag \[CRITICAL\] {2}\(app\) Image with latest tag/m);
    expect(run.stdout).toMatch(/^ {8}✗ checkov {4}CKV_K8S_14 \[FAILED\] {2}Image Tag should be fixed - not latest or blank$/m);
    expect(run.stdout).toMatch(/^ {8}✗ kube-score service-type \[WARNING\] {2}The service is of type NodePort/m);
  });
});

describe('the hardened Deployment + Service + NetworkPolicy + PDB + HPA + restore Job', () => {
  let run: Run;
  beforeAll(() => {
    run = lint(HARDENED);
  });

  test('passes with no finding at all and no waiver', () => {
    expect(run.stdout).not.toMatch(/^FAIL/m);
    expect(run.report.errors).toEqual([]);
    expect(run.report.objects.flatMap((o) => o.findings)).toEqual([]);
    expect(run.stdout).toContain('WAIVERS (0)');
    expect(lastLine(run.stdout)).toBe('8 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  test('lints the restore/ subfolder, skips kustomization.yaml and dist/<env>/argocd/', () => {
    const files = run.report.objects.map((o) => path.relative(HARDENED, o.file)).sort();
    expect(files).toContain(JOB);
    expect(files.some((f) => f.endsWith('kustomization.yaml') || f.startsWith('dev/argocd/'))).toBe(false);
    expect(object(run, 'Job', 'restore').checkedBy).toEqual(['kube-score', 'checkov']);
  });

  test('kube-score WARNING fails by default and only warns with KUBE_SCORE_FAIL_ON=critical', () => {
    const dist = hardenedWith(DEPLOYMENT, (d) => d.deleteIn(['spec', 'template', 'spec', 'affinity']));
    const strict = lint(dist);
    expect(strict.status).toBe(1);
    expect(failing(object(strict, 'Deployment', 'web'))).toEqual(['kube-score:deployment-has-host-podantiaffinity']);
    const lenient = lint(dist, { KUBE_SCORE_FAIL_ON: 'critical' });
    expect(lenient.status).toBe(0);
    expect(lenient.stdout).toContain('· kube-score deployment-has-host-podantiaffinity [WARNING, not failing]');
    expect(lastLine(lenient.stdout)).toBe('8 passed, 0 failed');
  });
});

describe('waivers', () => {
  const KS_REASON = 'kube-score.waiver.cdk8s-stacks.io/';

  /** The hardened Deployment pulling by tag with IfNotPresent: kube-score and checkov both object. */
  function tagPulled(annotations: Record<string, string>, templateAnnotations?: Record<string, string>): string {
    return hardenedWith(DEPLOYMENT, (d) => {
      d.setIn(['spec', 'template', 'spec', 'containers', 0, 'image'], 'registry.example.com/shop/web:1.4.2');
      d.setIn(['spec', 'template', 'spec', 'containers', 0, 'imagePullPolicy'], 'IfNotPresent');
      d.setIn(['metadata', 'annotations'], annotations);
      if (templateAnnotations) d.setIn(['spec', 'template', 'metadata', 'annotations'], templateAnnotations);
    });
  }

  test('without waivers the tag-pulled Deployment fails', () => {
    const run = lint(tagPulled({}));
    expect(run.status).toBe(1);
    expect(failing(object(run, 'Deployment', 'web'))).toEqual(['checkov:CKV_K8S_15', 'checkov:CKV_K8S_43', 'kube-score:container-image-pull-policy']);
  });

  test('waivers with reasons are honoured by both linters and listed', () => {
    const run = lint(
      tagPulled({
        'kube-score/ignore': 'container-image-pull-policy',
        [`${KS_REASON}container-image-pull-policy`]: 'Tags are immutable in our registry; IfNotPresent avoids a registry round-trip per start',
        'checkov.io/skip1': 'CKV_K8S_15=Tags are immutable in our registry',
        'checkov.io/skip2': 'CKV_K8S_43=Release tags are immutable; digests are pinned by the registry policy',
      }),
    );
    expect(run.report.errors).toEqual([]);
    const web = object(run, 'Deployment', 'web');
    expect(web.findings).toEqual([]);
    expect(web.waivers).toEqual([
      {
        tool: 'kube-score',
        check: 'container-image-pull-policy',
        reason: 'Tags are immutable in our registry; IfNotPresent avoids a registry round-trip per start',
        where: 'metadata.annotations',
        suppressed: true,
      },
      { tool: 'checkov', check: 'CKV_K8S_15', reason: 'Tags are immutable in our registry', where: 'metadata.annotations', suppressed: true },
      {
        tool: 'checkov',
        check: 'CKV_K8S_43',
        reason: 'Release tags are immutable; digests are pinned by the registry policy',
        where: 'metadata.annotations',
        suppressed: true,
      },
    ]);
    expect(run.stdout).toContain('WAIVERS (3)');
    expect(run.stdout).toMatch(
      /30-deployment-web\.yaml {2}Deployment shop\/web {2}kube-score container-image-pull-policy {2}reason: "Tags are immutable in our registry; IfNotPresent avoids a registry round-trip per start" {2}at metadata\.annotations {2}\[suppresses a finding\]/,
    );
    expect(run.stdout).toMatch(
      /Deployment shop\/web {2}checkov CKV_K8S_43 {2}reason: "Release tags are immutable; digests are pinned by the registry policy"/,
    );
    expect(lastLine(run.stdout)).toBe('8 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  test('kube-score honours an ignore on the pod template for pod checks', () => {
    const dist = hardenedWith(JOB, (d) => {
      d.setIn(['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'readOnlyRootFilesystem'], false);
      d.setIn(['metadata', 'annotations'], { 'checkov.io/skip1': 'CKV_K8S_22=pg_restore writes its scratch files next to the binary' });
      d.setIn(['spec', 'template', 'metadata', 'annotations'], {
        'kube-score/ignore': 'container-security-context-readonlyrootfilesystem',
        [`${KS_REASON}container-security-context-readonlyrootfilesystem`]: 'pg_restore writes its scratch files next to the binary',
      });
    });
    const run = lint(dist);
    const job = object(run, 'Job', 'restore');
    expect(job.findings).toEqual([]);
    expect(job.waivers.map((w) => `${w.tool}:${w.check}@${w.where}:${w.suppressed}`)).toEqual([
      'checkov:CKV_K8S_22@metadata.annotations:true',
      'kube-score:container-security-context-readonlyrootfilesystem@spec.template.metadata.annotations:true',
    ]);
    expect(run.status).toBe(0);
  });

  test('a waiver without a reason fails, for either linter', () => {
    const run = lint(
      tagPulled({
        'kube-score/ignore': 'container-image-pull-policy',
        'checkov.io/skip1': 'CKV_K8S_15',
        'checkov.io/skip2': 'CKV_K8S_43=',
      }),
    );
    expect(run.status).toBe(1);
    const web = object(run, 'Deployment', 'web');
    // the linters themselves honour the skips; the runner fails the object for the missing reasons
    expect(failing(web)).toEqual(['waiver:checkov:CKV_K8S_15', 'waiver:checkov:CKV_K8S_43', 'waiver:kube-score:container-image-pull-policy']);
    expect(run.stdout).toContain(
      "kube-score/ignore lists 'container-image-pull-policy' but 'kube-score.waiver.cdk8s-stacks.io/container-image-pull-policy' with a reason is missing",
    );
    expect(run.stdout).toContain("'checkov.io/skip1: CKV_K8S_15' has no reason (write 'CKV_K8S_15=<reason>')");
    expect(run.stdout).toMatch(/checkov CKV_K8S_15 {2}reason: MISSING \(fails\)/);
    expect(lastLine(run.stdout)).toBe('7 passed, 1 failed');
  });

  test("a checkov reason containing '=' fails before checkov crashes on it", () => {
    const run = lint(tagPulled({ 'checkov.io/skip1': 'CKV_K8S_43=digest=tag' }));
    expect(run.status).toBe(1);
    expect(failing(object(run, 'Deployment', 'web'))).toContain('waiver:checkov:CKV_K8S_43');
    expect(run.stdout).toContain("contains '=' (checkov 3.3.30 crashes on it)");
  });

  test('waivers that the linters would not see fail: checkov on the template, kube-score Deployment check on the template, orphan reason, bad key, unknown id', () => {
    const run = lint(
      tagPulled(
        {
          [`${KS_REASON}container-image-tag`]: 'reason without an ignore',
          'cdk8s-stacks.io/waiver.kube-score.container-security-context-readonlyrootfilesystem': 'too long a key',
          'kube-score/ignore': 'container-image-pull-policy,no-such-check',
          [`${KS_REASON}container-image-pull-policy`]: 'ok',
          [`${KS_REASON}no-such-check`]: 'typo',
        },
        {
          'checkov.io/skip1': 'CKV_K8S_15=on the template',
          'kube-score/ignore': 'deployment-has-poddisruptionbudget',
          [`${KS_REASON}deployment-has-poddisruptionbudget`]: 'on the template',
        },
      ),
    );
    expect(run.status).toBe(1);
    const messages = object(run, 'Deployment', 'web')
      .findings.filter((f) => f.failing && f.tool !== 'checkov')
      .map((f) => f.message)
      .join('\n');
    expect(messages).toContain("checkov ignores skip annotations on a pod template; put 'checkov.io/skip1' in the Deployment's metadata.annotations");
    expect(messages).toContain(
      "'deployment-has-poddisruptionbudget' is a Deployment check; kube-score reads its ignore only from the Deployment's metadata.annotations",
    );
    expect(messages).toContain(
      "'kube-score.waiver.cdk8s-stacks.io/container-image-tag' gives a reason but kube-score/ignore at the same place does not list 'container-image-tag'",
    );
    expect(messages).toContain("'cdk8s-stacks.io/waiver.kube-score.container-security-context-readonlyrootfilesystem' is not a valid annotation key");
    expect(messages).toContain("'no-such-check' is not a kube-score v1.20.0 check id");
    // and checkov really did not honour the template-level skip
    expect(failing(object(run, 'Deployment', 'web'))).toContain('checkov:CKV_K8S_15');
  });
});

test('an empty dist is an error, not a green run', () => {
  const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
  const run = lint(empty);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('no manifests under');
});
