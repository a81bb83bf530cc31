// Runs the repository's eslint and prettier configuration on the given files through the
// tools' Node APIs and prints one JSON report. test/lint/lint-config.test.ts runs it in a
// child process: both tools load their ESM configuration with a dynamic import(), which
// jest's module sandbox does not allow.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ignorePath = join(root, '.prettierignore');
// `ignore: false` lints the fixtures, which the real run skips; the second instance answers what the real run ignores.
const linter = new ESLint({ cwd: root, ignore: false });
const realRun = new ESLint({ cwd: root });

const report = {};
for (const file of process.argv.slice(2)) {
  const [result] = await linter.lintFiles([file]);
  const options = await prettier.resolveConfig(file, { editorconfig: false });
  report[file] = {
    eslint: result.messages.map((m) => ({ rule: m.ruleId, line: m.line, message: m.message })),
    prettierOptions: options,
    prettierAccepts: await prettier.check(readFileSync(file, 'utf8'), { ...options, filepath: file }),
    ignoredByEslint: await realRun.isPathIgnored(file),
    ignoredByPrettier: (await prettier.getFileInfo(file, { ignorePath })).ignored,
  };
}
process.stdout.write(`${JSON.stringify(report)}\n`);
