import { brief, deepEqual, diffObjects, valueAt } from '../../lib/plan/diff';
import { nameStem } from '../../lib/plan/renames';

describe('field-level diff', () => {
  test('key order is not a change', () => {
    expect(diffObjects({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toEqual([]);
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
  });

  test('named list items are matched by name: reordering is no change, an inserted container does not shift the others', () => {
    const before = {
      containers: [
        {
          name: 'api',
          image: 'a:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
      ],
    };
    const after = {
      containers: [
        { name: 'sidecar', image: 's:1' },
        {
          name: 'api',
          image: 'a:2',
          env: [
            { name: 'B', value: '2' },
            { name: 'A', value: '1' },
          ],
        },
      ],
    };
    expect(diffObjects(before, after)).toEqual([
      { path: 'containers[api].image', before: 'a:1', after: 'a:2' },
      { path: 'containers[sidecar]', before: undefined, after: { name: 'sidecar', image: 's:1' } },
    ]);
  });

  test('claim templates match by metadata.name; unnamed lists by position or as a whole; odd keys are quoted', () => {
    expect(diffObjects({ t: [{ metadata: { name: 'data' }, size: 1 }] }, { t: [{ metadata: { name: 'data' }, size: 2 }] })).toEqual([
      { path: 't[data].size', before: 1, after: 2 },
    ]);
    expect(diffObjects({ args: ['a', 'b'] }, { args: ['a', 'c'] })).toEqual([{ path: 'args', before: ['a', 'b'], after: ['a', 'c'] }]);
    expect(diffObjects({ labels: { 'app.kubernetes.io/name': 'a' } }, { labels: {} })).toEqual([
      { path: 'labels."app.kubernetes.io/name"', before: 'a', after: undefined },
    ]);
  });

  test('valueAt reads dotted paths and named items; brief shortens values', () => {
    const o = { spec: { containers: [{ name: 'api', image: 'x' }] } };
    expect(valueAt(o, 'spec.containers[api].image')).toBe('x');
    expect(valueAt(o, 'spec.containers[nope].image')).toBeUndefined();
    expect(brief(undefined)).toBe('(absent)');
    expect(brief('x'.repeat(200)).length).toBe(80);
  });

  test('the changed part of a renamed name is whole segments', () => {
    expect(nameStem('db-backups', 'database-backups')).toEqual(['db', 'database']);
    expect(nameStem('cache', 'store')).toEqual(['cache', 'store']);
    expect(nameStem('api-v1', 'api-v2')).toEqual(['v1', 'v2']);
  });
});
