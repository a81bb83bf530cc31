/**
 * The script files and their placeholders: rendering is explicit and checked (an unknown or
 * unused placeholder is an error), and every file under lib/<concern>/scripts/ is used.
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderGatewayConfig } from '../../lib/data/object-store-gateway';
import { renderMongoInitScript, renderMongoInitScriptsRunner } from '../../lib/data/mongodb-config';
import { renderHaproxyConfig } from '../../lib/data/redis-ha';
import { renderTemplate, scriptFilesRead } from '../../lib/core/script-file';
import { libraryScripts } from './shell-scripts';

const LIB = path.join(__dirname, '..', '..', 'lib');

describe('renderTemplate', () => {
  test('fills placeholders in place, and whole-line placeholders with the lines of their value', () => {
    const template = '#!/bin/sh\n# {{NAME}}: {{WHAT}}.\n{{STEPS}}\necho done\n';
    expect(renderTemplate(template, { NAME: 'db', WHAT: 'backup', STEPS: 'a\nb\n' }, 't.sh')).toBe('#!/bin/sh\n# db: backup.\na\nb\necho done\n');
  });

  test('an empty value removes its line; a value of one newline leaves an empty line', () => {
    expect(renderTemplate('a\n{{X}}\nb\n', { X: '' }, 't')).toBe('a\nb\n');
    expect(renderTemplate('a\n{{X}}\nb\n', { X: '\n' }, 't')).toBe('a\n\nb\n');
  });

  test('values are inserted as they are, never searched for placeholders again', () => {
    expect(renderTemplate('echo {{A}}\n', { A: '{{B}} ${x} $1' }, 't')).toBe('echo {{B}} ${x} $1\n');
  });

  test('a placeholder without a value is an error naming the file and the values given', () => {
    expect(() => renderTemplate('echo {{A}} {{B}}\n', { A: '1' }, 'lib/x/scripts/t.sh')).toThrow(
      'lib/x/scripts/t.sh: no value for placeholder {{B}} (values given: A)',
    );
  });

  test('a value without a placeholder is an error', () => {
    expect(() => renderTemplate('echo {{A}}\n', { A: '1', STALE: '2', OTHER: '' }, 't.sh')).toThrow('t.sh: no placeholder for {{STALE}}, {{OTHER}}');
  });

  test('a malformed placeholder is an error, not text', () => {
    expect(() => renderTemplate('echo {{ a }}\n', {}, 't.sh')).toThrow("t.sh: '{{ a }}' is not a placeholder name");
  });

  test('a value that is not a string is an error (values are never trusted to be strings)', () => {
    expect(() => renderTemplate('{{N}}\n', { N: 3 } as unknown as Record<string, string>, 't')).toThrow('t: no value for placeholder {{N}}');
  });
});

test('every file under lib/<concern>/scripts/ is read by the library (no stale script files)', () => {
  libraryScripts();
  renderMongoInitScript();
  renderMongoInitScriptsRunner([{ name: 'mongo-init.js', path: 'scripts/mongo-init.js', content: "db.createCollection('products');\n" }]);
  // Not a shell script: the ObjectStoreGateway's nginx.conf.
  renderGatewayConfig('assets', 'test-prod/minio', 'minio.test-prod.svc:9000');
  // Not a shell script: the HAProxy in front of a Redis replica group.
  renderHaproxyConfig('cache', ['cache-0.cache-headless.test-prod.svc'], 6379);
  const read = new Set(scriptFilesRead().map((f) => path.resolve(f)));
  const files = listScriptFiles(LIB);
  expect(files.length).toBeGreaterThan(30);
  expect(files.filter((f) => !read.has(f)).map((f) => path.relative(LIB, f))).toEqual([]);
});

test('script files end with a newline and hold no tab or carriage return', () => {
  for (const file of listScriptFiles(LIB)) {
    const text = fs.readFileSync(file, 'utf8');
    expect({ file: path.relative(LIB, file), ok: text.endsWith('\n') && !/[\t\r]/.test(text) }).toEqual({ file: path.relative(LIB, file), ok: true });
  }
});

function listScriptFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(entry.name === 'scripts' ? fs.readdirSync(full).map((f) => path.join(full, f)) : listScriptFiles(full)));
  }
  return out.sort();
}
