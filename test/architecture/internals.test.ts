import * as fs from 'fs';
import * as path from 'path';
import { findInternalsAccess, privateMemberNames, tsFilesBelow } from './dependency-internals';

const ROOT = path.join(__dirname, '../..');
const LIB = path.join(ROOT, 'lib');
const FIXTURES = path.join(__dirname, 'fixtures', 'internals');
/** The packages whose objects the library builds on (its peer dependencies). */
const PRIVATE = privateMemberNames(['cdk8s', 'constructs', 'cdk8s-plus-27'].map((p) => path.join(ROOT, 'node_modules', p, 'lib')));

describe('lib/ uses its dependencies through their public API only', () => {
  test('no lib file patches a prototype, changes an imported class or reads a private member', () => {
    const files = tsFilesBelow(LIB);
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((f) => findInternalsAccess(`lib/${f}`, fs.readFileSync(path.join(LIB, f), 'utf8'), PRIVATE));
    expect(findings).toEqual([]);
  });

  test("the dependencies' private member names are read from their declarations", () => {
    // Guards the check: an empty list would let a cast read anything.
    expect([...PRIVATE]).toEqual(expect.arrayContaining(['_metadata', '_children', 'props']));
  });
});

describe('the check on fixtures', () => {
  const check = (name: string) => findInternalsAccess(name, fs.readFileSync(path.join(FIXTURES, `${name}.ts.txt`), 'utf8'), PRIVATE);

  test('every kind of patch and private read is found, with its line', () => {
    expect(check('patches')).toEqual([
      'patches:7: changes a prototype: ApiObject.prototype.toJson = function () { return original.call(this); }',
      "patches:10: Object.defineProperty changes a prototype: Object.defineProperty(ApiObject.prototype, 'toJson', { value: () => ({}) })",
      'patches:11: Object.assign changes a prototype: Object.assign(kplus.Deployment.prototype, { extra: 1 })',
      "patches:12: changes 'App', imported from a package: App.of = () => undefined as never",
      "patches:13: changes 'kplus', imported from a package: kplus.Deployment.defaultReplicas = 3",
      "patches:14: Object.defineProperty changes 'App', imported from a package: Object.defineProperty(App, 'of', { value: () => undefined })",
      "patches:15: changes 'Construct', imported from a package: delete (Construct as any).isConstruct",
      "patches:17: reads the private member '_metadata': (o as any)._metadata",
      "patches:17: reads the private member '_labels' by name: o['_labels' as never]",
      "patches:17: reads 'props' through a cast, a member a dependency keeps private: (o as any).props",
      "patches:17: Reflect.get reads the private member '_children': Reflect.get(c, '_children')",
      "patches:17: reads the private member '_scopes': (c as unknown as { _scopes: unknown })._scopes",
      "patches:20: reads 'props' through a cast, a member a dependency keeps private: (o as unknown as { props: unknown }).props",
    ]);
  });

  test('own private fields, symbols on own instances, public members and relative imports are fine', () => {
    expect(check('clean')).toEqual([]);
  });
});
