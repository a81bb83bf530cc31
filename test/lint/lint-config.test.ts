import { execFileSync } from 'child_process';
import * as path from 'path';

/**
 * The code lint configuration (eslint.config.mjs, .prettierrc.json, .prettierignore) run
 * through the tools' Node APIs (test/lint/run-lint.mjs) on fixtures: a file with known
 * violations must be reported, a clean one must pass, and the fixtures must stay out of
 * the real `npm run lint:code` while the library stays in.
 */
const ROOT = path.join(__dirname, '..', '..');
const VIOLATION = path.join(__dirname, 'fixtures', 'violation.ts');
const CLEAN = path.join(__dirname, 'fixtures', 'clean.ts');
const LIBRARY = path.join(ROOT, 'lib', 'core', 'yaml.ts');

interface FileReport {
  readonly eslint: ReadonlyArray<{ rule: string | null; line: number; message: string }>;
  readonly prettierOptions: Record<string, unknown> | null;
  readonly prettierAccepts: boolean;
  readonly ignoredByEslint: boolean;
  readonly ignoredByPrettier: boolean;
}

// eslint and prettier load their configuration with import(), which jest's sandbox refuses: a child process runs them.
const report: Record<string, FileReport> = JSON.parse(
  execFileSync(process.execPath, [path.join(__dirname, 'run-lint.mjs'), VIOLATION, CLEAN, LIBRARY], { cwd: ROOT, encoding: 'utf8' }),
);

describe('code lint configuration', () => {
  test('eslint reports the long line and the rule violations of the violation fixture, and nothing else', () => {
    const found = report[VIOLATION].eslint.map(({ rule, line }) => ({ rule, line }));
    expect(found).toEqual(
      expect.arrayContaining([
        { rule: 'prefer-const', line: 3 },
        { rule: 'eqeqeq', line: 4 },
        { rule: 'max-len', line: 4 },
      ]),
    );
    expect(found).toHaveLength(3);
    expect(report[VIOLATION].eslint.find((m) => m.rule === 'max-len')!.message).toContain('Maximum allowed is 150');
  });

  test('prettier rejects the violation fixture and accepts the clean one, with the repository options', () => {
    expect(report[VIOLATION].prettierAccepts).toBe(false);
    expect(report[CLEAN].prettierAccepts).toBe(true);
    expect(report[CLEAN].prettierOptions).toMatchObject({ printWidth: 150, singleQuote: true, trailingComma: 'all' });
  });

  test('eslint accepts the clean fixture', () => {
    expect(report[CLEAN].eslint).toEqual([]);
  });

  test('the fixtures are left out of the real lint run, the library is not', () => {
    for (const fixture of [VIOLATION, CLEAN]) {
      expect(report[fixture].ignoredByEslint).toBe(true);
      expect(report[fixture].ignoredByPrettier).toBe(true);
    }
    expect(report[LIBRARY].ignoredByEslint).toBe(false);
    expect(report[LIBRARY].ignoredByPrettier).toBe(false);
  });
});
