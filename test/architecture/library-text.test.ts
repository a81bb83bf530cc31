/**
 * The library is about any system, not the five this repository deploys: no file of lib/
 * (errors, docs, comments, scripts) names an example system (issue 29).
 */
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.join(__dirname, '..', '..', 'lib');
/** The example systems of charts/, in every spelling they appear in. */
const EXAMPLE_SYSTEMS = /\b(loopi|tech-?shop|chat-?nomina|capibara6?|feature-?models|feature models)\b/i;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : [full];
  });
}

test('no file of lib/ names an example system', () => {
  const found = files(LIB)
    .filter((f) => !/\.(json)$/.test(f) || !f.endsWith('chart-facts-table.json'))
    .flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (EXAMPLE_SYSTEMS.test(line) ? [`${path.relative(LIB, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
  expect(found).toEqual([]);
});

test('the check finds a name where one is written (it can fail)', () => {
  expect(EXAMPLE_SYSTEMS.test("the Loopi seed's mistake")).toBe(true);
  expect(EXAMPLE_SYSTEMS.test('`prod/techshop`')).toBe(true);
  expect(EXAMPLE_SYSTEMS.test('capibara6 asks for')).toBe(true);
  // Words that contain a name are not names.
  expect(EXAMPLE_SYSTEMS.test('a crash-looping pod')).toBe(false);
});
