/**
 * The public API is deliberate: the report of what lib/index.ts exports must equal the
 * committed api/cdk8s-stacks.api.md (accept a change with `npm run api:update`), and an
 * export nobody meant to add is caught by that comparison.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Plain JavaScript shared with `npm run api:update`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { apiReports, ENTRY, REPORT } = require('../../scripts/api-report.js') as {
  apiReports: (entries: readonly string[]) => string[];
  ENTRY: string;
  REPORT: string;
};

const LIB = path.join(__dirname, '..', '..', 'lib');
let reports: string[] = [];

beforeAll(() => {
  // An entry point like lib/index.ts that also exports an internal helper, as a careless
  // `export *` would; outside lib/ so that no build picks it up.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-api-'));
  const leaky = path.join(dir, 'leaky-entry.ts');
  fs.writeFileSync(leaky, `export * from '${LIB}/index';\nexport { sortedByKey } from '${LIB}/core/json';\n`);
  try {
    reports = apiReports([ENTRY, leaky]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);

/** The lines of `actual` not in `expected`, and the other way round, for a readable failure. */
function difference(expected: string, actual: string): string[] {
  const a = new Set(expected.split('\n'));
  const b = new Set(actual.split('\n'));
  return [...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`), ...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`)];
}

test('the public API is the one in api/cdk8s-stacks.api.md (npm run api:update accepts a deliberate change)', () => {
  const committed = fs.readFileSync(REPORT, 'utf8');
  expect(difference(committed, reports[0])).toEqual([]);
  expect(reports[0]).toBe(committed);
});

test('an unintended export changes the report, so the check above fails', () => {
  const committed = fs.readFileSync(REPORT, 'utf8');
  expect(reports[1]).not.toBe(committed);
  expect(difference(committed, reports[1])).toEqual([expect.stringMatching(/^\+ export function sortedByKey<T>\(/)]);
});

test('internal helpers stay out of the public API', () => {
  for (const helper of ['sorted', 'sortedByKey', 'positive', 'describe', 'setEnv', 'renderBucketScript', 'writeDist', 'duplicateCdk8sError']) {
    expect(reports[0]).not.toMatch(new RegExp(`^export [a-z ]+ ${helper}\\b`, 'm'));
  }
  expect(reports[0]).toMatch(/^export class WebService extends ReplicatedWorkload \{/m);
  expect(reports[0]).toMatch(/^export function environmentPresets\(/m);
});

describe('a deliberate public API (issue 29)', () => {
  const exported = () => [...reports[0].matchAll(/^export (?:abstract )?(class|interface|type|const|function|enum) (\w+)/gm)];
  /** Classes meant to be subclassed (SystemChart: a system is a subclass), and cdk8s's Duration, re-exported as it is. */
  const EXTENSION_POINTS = ['SystemChart', 'Duration'];
  /** Charts whose id is derived (it names the namespace and the dist folder), so they take (scope, props). */
  const DERIVED_ID_CHARTS = ['SystemChart', 'ArgoCdApplications', 'PlatformPrometheusChart'];

  // 149 names after issue 29's pruning; issue 30 added what users write for its features
  // (DatabaseTlsOptions, enrolInMesh, RolloutOptions, the Redis replica group's Sentinel options
  // and proxy, RedisCredentialKeys): 155; S3Bucket and S3BucketProps: 157; the types of the props
  // users write for TimescaleDB on CloudNativePG, the WAF and public DNS (CloudNativePgImage,
  // EdgeWaf, PublicDnsProfile): 160. A new name must be one a user writes or reads.
  test('is what a user needs: well under 200 names', () => {
    expect(exported().length).toBeLessThan(170);
  });

  test('every exported class is sealed (its protected members are not API) unless it is an extension point', () => {
    const unsealed = [...reports[0].matchAll(/^(\/\*\* @sealed \*\/\n)?export (?:abstract )?class (\w+)/gm)].filter((m) => !m[1]).map((m) => m[2]);
    expect(unsealed.sort()).toEqual([...EXTENSION_POINTS].sort());
    expect(reports[0]).not.toMatch(/^\s+protected /m);
  });

  test('the internal constructs and base classes are not exported', () => {
    const names = new Set(exported().map((m) => m[2]));
    for (const internal of [
      'MocoCluster',
      'PerconaCluster',
      'CloudNativePgCluster',
      'Workload',
      'ReplicatedWorkload',
      'StatefulStore',
      'DatabaseStore',
      'BackupableStore',
      'CertManagerIssuer',
      'IStoreEngine',
      'ManagedPods',
    ]) {
      expect(names.has(internal)).toBe(false);
    }
  });

  test('constructs take (scope, id, props); only the charts with a derived id take (scope, props)', () => {
    const constructs = [...reports[0].matchAll(/^export class (\w+)[^\n]*\{\n((?: {4}[^\n]*\n)*?) {4}constructor\((scope: Construct, [^)]*)\);/gm)];
    expect(constructs.length).toBeGreaterThan(20);
    const offenders = constructs.filter(
      ([, name, , params]) => !/^scope: Construct, id: string(, \w+\??: [\w<>]+)?$/.test(params) && !DERIVED_ID_CHARTS.includes(name),
    );
    expect(offenders.map(([, name, , params]) => `${name}(${params})`)).toEqual([]);
    for (const name of DERIVED_ID_CHARTS)
      expect(reports[0]).toMatch(
        new RegExp(`^export class ${name} [^\\n]*\\{\\n(?: {4}[^\\n]*\\n)*? {4}constructor\\(scope: Construct, props: ${name}Props\\);`, 'm'),
      );
  });
});
