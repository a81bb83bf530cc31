import * as fs from 'fs';
import * as path from 'path';

/**
 * Scripts (shell, SQL, mongosh JavaScript) live as real files in `lib/<concern>/scripts/`,
 * so editors, shellcheck and reviewers see them as what they are. They are read at run time,
 * relative to the module that renders them (its `__dirname`): jest runs the TypeScript
 * sources in place; a compiled package ships the `scripts/` folders next to the compiled
 * modules; `npm run synth` bundles everything into one file, and scripts/build.mjs gives each
 * bundled lib module its source folder as `__dirname` (see scripts/esbuild-script-files.mjs).
 *
 * A template names its parameters `{{NAME}}` (upper case, digits, `_`). A placeholder that is
 * a whole line is replaced by the value's lines (an empty value removes the line); any other
 * is replaced in place. Values are inserted as they are, never scanned for placeholders
 * again. Every placeholder needs a value and every value a placeholder: anything else is a
 * programming error, thrown at once.
 */

/** Values for a template's placeholders, by name. */
export type ScriptValues = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const NAME = /^[A-Z][A-Z0-9_]*$/;

const texts = new Map<string, string>();

/** The text of `file` in `dir` (read once). @internal */
export function readScriptFile(dir: string, file: string): string {
  const full = path.join(dir, file);
  let text = texts.get(full);
  if (text === undefined) {
    text = fs.readFileSync(full, 'utf8');
    texts.set(full, text);
  }
  return text;
}

/** Every script file read so far (absolute paths), for the test that no file is unused. @internal */
export function scriptFilesRead(): readonly string[] {
  return [...texts.keys()];
}

/** `file` in `dir` with its placeholders filled from `values`. @internal */
export function renderScriptFile(dir: string, file: string, values: ScriptValues = {}): string {
  return renderTemplate(readScriptFile(dir, file), values, file);
}

/** `template` with its placeholders filled from `values`; `origin` names it in errors. @internal */
export function renderTemplate(template: string, values: ScriptValues, origin: string): string {
  const used = new Set<string>();
  const value = (name: string): string => {
    if (!NAME.test(name)) throw new Error(`${origin}: '{{${name}}}' is not a placeholder name (upper-case letters, digits and '_')`);
    const v = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (typeof v !== 'string') {
      throw new Error(`${origin}: no value for placeholder {{${name}}} (values given: ${Object.keys(values).join(', ') || 'none'})`);
    }
    used.add(name);
    return v;
  };
  const out: string[] = [];
  for (const line of linesOf(template)) {
    const whole = /^\{\{([^{}]*)\}\}$/.exec(line);
    if (whole) out.push(...linesOf(value(whole[1])));
    else out.push(line.replace(PLACEHOLDER, (_, name: string) => value(name)));
  }
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`${origin}: no placeholder for ${unused.map((n) => `{{${n}}}`).join(', ')}`);
  return out.map((line) => `${line}\n`).join('');
}

/** A text's lines; a final newline ends the last line rather than starting an empty one. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines;
}
