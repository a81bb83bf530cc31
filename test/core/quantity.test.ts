import { checkQuantity, formatBytes, formatCpu, parseQuantity } from '../../lib/core/quantity';

test.each([
  ['250m', 0.25],
  ['1', 1],
  ['1.5', 1.5],
  ['.5', 0.5],
  ['512Mi', 512 * 2 ** 20],
  ['1Gi', 2 ** 30],
  ['1G', 1e9],
  ['2k', 2000],
  ['1e3', 1000],
  ['1E-3', 0.001],
  [4, 4],
])('%p parses to %p', (text, value) => {
  expect(parseQuantity(text)).toBeCloseTo(value as number, 9);
});

test.each(['', ' 1Gi', '1Gi ', '1 Gi', '1gi', '1GB', '-1', 'ten', '1..5', 'Mi', -3, Number.NaN, Infinity, null, undefined, {}, ['1Gi'], true])(
  '%p does not parse (and never throws)',
  (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  },
);

describe('checkQuantity', () => {
  test.each([
    ['512m', 'bytes', /milli-units.*512Mi/],
    ['500m', 'bytes', /milli-units.*500Mi/],
    ['0.5m', 'bytes', /milli-units/],
    ['1.5', 'bytes', /not a whole number of bytes/],
    ['1e-3', 'bytes', /not a whole number of bytes/],
    ['lots', 'bytes', /'lots' is not a valid quantity \(e\.g\. 512Mi or 10Gi\)/],
    ['fast', 'cpu', /'fast' is not a valid quantity \(e\.g\. 250m or 1\)/],
    [null, 'cpu', /is null/],
    [undefined, 'bytes', /is undefined/],
    [{ cpu: 1 }, 'cpu', /is object/],
  ] as const)('%p as %s is refused: %p', (quantity, kind, reason) => {
    expect(checkQuantity(quantity, kind)).toMatch(reason);
  });

  test.each([
    ['250m', 'cpu'],
    ['0.5', 'cpu'],
    ['2', 'cpu'],
    ['512Mi', 'bytes'],
    ['0.5Gi', 'bytes'],
    ['1G', 'bytes'],
    ['1048576', 'bytes'],
    [1024, 'bytes'],
  ] as const)('%p as %s is accepted', (quantity, kind) => {
    expect(checkQuantity(quantity, kind)).toBeUndefined();
  });

  test('the example can be given by the caller', () => {
    expect(checkQuantity('x', 'bytes', '20Gi')).toBe("'x' is not a valid quantity (e.g. 20Gi)");
  });
});

test.each([
  [512 * 2 ** 20, '512Mi'],
  [2 ** 30, '1Gi'],
  [1536 * 2 ** 10, '1536Ki'],
  [1000, '1000'],
])('formatBytes(%p) = %s', (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});

test.each([
  [0.25, '250m'],
  [2, '2'],
  [1.5, '1500m'],
])('formatCpu(%p) = %s', (cores, text) => {
  expect(formatCpu(cores)).toBe(text);
});
