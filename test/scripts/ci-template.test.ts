import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/** templates/ci/application-pipeline.yml: what an application repository's pipeline does, read as the workflow it is. */
const workflow = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'templates', 'ci', 'application-pipeline.yml'), 'utf8'));
const release = workflow.jobs.release;
const runs = (job: { steps: Array<{ run?: string }> }) => job.steps.map((s) => s.run ?? '').join('\n');

test('every push and pull request runs the tests; only a push to main that passed them releases', () => {
  expect(Object.keys(workflow.on)).toEqual(['push', 'pull_request']);
  expect(runs(workflow.jobs.test)).toMatch(/\S/);
  expect(release.needs).toBe('test');
  expect(release.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
});

test('the image is pushed once and recorded by its digest through this repository’s npm run release, as a pull request', () => {
  const build = release.steps.find((s: { id?: string }) => s.id === 'build');
  expect(build.with.push).toBe(true);
  const record = release.steps.find((s: { run?: string }) => s.run?.includes('npm run release'));
  expect(record.env.IMAGE_REF).toContain('@${{ steps.build.outputs.digest }}');
  expect(record.run).toContain('npm run release -- "$SYSTEM" --image "$COMPONENT=$IMAGE_REF"');
  expect(record.run).toContain(
    'git commit -F "charts/releases/$SYSTEM.dev.plan.md"'.replace('git ', 'git -c user.name=ci -c user.email=ci@stackworks.io '),
  );
  // Against the branch dev deploys from, which a system may set apart from main (Loopi: develop).
  expect(record.run).toContain('gh pr create --fill --base "$DEV_BRANCH"');
  const checkout = release.steps.find((s: { with?: { repository?: string } }) => s.with?.repository === 'stackworks/cdk8s-stacks');
  expect(checkout.with.ref).toBe('${{ env.DEV_BRANCH }}');
  // The script it calls exists with this name.
  const scripts = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts;
  expect(scripts.release).toBe('node scripts/release.mjs');
});
