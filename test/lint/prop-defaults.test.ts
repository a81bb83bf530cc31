/**
 * `@default` on every optional prop (issue 29): the rule of scripts/prop-types/prop-defaults.ts
 * over lib/, and proof on a fixture that it finds a missing tag, follows nested settings and
 * leaves the interfaces classes implement alone.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { missingDefaults } from '../../scripts/prop-types/prop-defaults';

test('every optional prop of lib/ says its default', () => {
  const { checked, missing } = missingDefaults();
  expect(checked.length).toBeGreaterThan(100);
  expect(missing.map((m) => `${m.where} ${m.prop}`)).toEqual([]);
});

test('the rule finds a missing @default, in props and in the settings they name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prop-defaults-'));
  const file = path.join(dir, 'fixture.ts');
  fs.writeFileSync(
    file,
    [
      'export interface WidgetProps {',
      '  /** Size. @default 1 */',
      '  readonly size?: number;',
      '  readonly colour?: string;',
      '  readonly timing?: Timing;',
      '  readonly peer?: IPeer;',
      '}',
      'interface Timing {',
      '  /** How long. */',
      '  readonly period?: number;',
      '}',
      'export interface IPeer { readonly name?: string }',
      'export interface Unrelated { readonly free?: string }',
    ].join('\n'),
  );
  try {
    const { missing } = missingDefaults([file]);
    expect(missing.map((m) => m.prop)).toEqual(['Timing.period', 'WidgetProps.colour', 'WidgetProps.timing', 'WidgetProps.peer']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
