/**
 * Small files (issue 29): no source file of lib/ grows past 500 lines. A file that does is a
 * construct that wants splitting into helpers (as PublicEndpoint into route resolution and
 * one renderer per edge, Workload into its pod contents and checks). Generated files are
 * exempt: nobody reads them as code.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const LIB = path.join(__dirname, '..', '..', 'lib');
const MAX_LINES = 500;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Lines of a file as an editor counts them (a final newline does not start another line). */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** `file: N lines` for each source below `dir` longer than the limit. */
function longFiles(dir: string): string[] {
  return sources(dir)
    .filter((f) => !f.endsWith('.generated.ts'))
    .map((f) => [path.relative(dir, f), lineCount(fs.readFileSync(f, 'utf8'))] as const)
    .filter(([, lines]) => lines > MAX_LINES)
    .map(([file, lines]) => `${file}: ${lines} lines`);
}

test(`no file of lib/ is longer than ${MAX_LINES} lines (generated files aside)`, () => {
  expect(sources(LIB).length).toBeGreaterThan(100);
  expect(longFiles(LIB)).toEqual([]);
});

test('the rule finds a long file, and only that one (it can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-size-'));
  try {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `// ${i}`).join('\n') + '\n';
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'long.ts'), lines(MAX_LINES + 1));
    fs.writeFileSync(path.join(dir, 'limit.ts'), lines(MAX_LINES));
    fs.writeFileSync(path.join(dir, 'big.generated.ts'), lines(MAX_LINES * 2));
    expect(longFiles(dir)).toEqual([`${path.join('sub', 'long.ts')}: ${MAX_LINES + 1} lines`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
