/**
 * `@default` on every optional prop: the optional properties of every props or options
 * interface of lib/ (`*Props`, `*Options`) and of every interface such a prop's type names,
 * transitively (the nested settings a user writes inside props; not the `I...` interfaces a
 * class implements), say in a `@default` tag what
 * happens when they are left out. Read from the syntax of lib/ alone (no type check), so the
 * test that enforces it (test/lint/prop-defaults.test.ts) is fast.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const LIB = path.join(__dirname, '..', '..', 'lib');

export interface MissingDefault {
  /** lib-relative file and line of the property. */
  readonly where: string;
  /** `Interface.property`. */
  readonly prop: string;
}

function libFiles(dir = LIB): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return libFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.generated.ts') ? [full] : [];
  });
}

/** The names a type node refers to (`Foo`, `readonly Foo[]`, `Partial<Foo>`, `Foo | Bar`). */
function referencedNames(node: ts.Node | undefined, out: Set<string> = new Set()): Set<string> {
  if (!node) return out;
  if (ts.isTypeReferenceNode(node)) out.add(node.typeName.getText());
  node.forEachChild((child) => void referencedNames(child, out));
  return out;
}

/** The interfaces whose optional props are a user's to leave out, and the ones without @default. */
export function missingDefaults(files: readonly string[] = libFiles()): { checked: string[]; missing: MissingDefault[] } {
  const interfaces = new Map<string, Array<{ decl: ts.InterfaceDeclaration; source: ts.SourceFile; file: string }>>();
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      const name = statement.name.text;
      interfaces.set(name, [...(interfaces.get(name) ?? []), { decl: statement, source, file }]);
    }
  }
  const reached = new Set([...interfaces.keys()].filter((name) => /(Props|Options)$/.test(name)));
  const queue = [...reached];
  while (queue.length > 0) {
    const name = queue.pop()!;
    for (const { decl } of interfaces.get(name) ?? []) {
      const names = new Set<string>();
      for (const member of decl.members) if (ts.isPropertySignature(member)) referencedNames(member.type, names);
      for (const clause of decl.heritageClauses ?? []) for (const t of clause.types) names.add(t.expression.getText());
      for (const n of names) {
        // `IIssuer`, `ISecretSource`: contracts a class implements, not settings a user leaves out.
        if (/^I[A-Z]/.test(n)) continue;
        if (interfaces.has(n) && !reached.has(n)) {
          reached.add(n);
          queue.push(n);
        }
      }
    }
  }
  const missing: MissingDefault[] = [];
  for (const name of [...reached].sort()) {
    for (const { decl, source, file } of interfaces.get(name) ?? []) {
      for (const member of decl.members) {
        if (!ts.isPropertySignature(member) || !member.questionToken) continue;
        if (ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'default')) continue;
        const line = source.getLineAndCharacterOfPosition(member.getStart(source)).line + 1;
        missing.push({ where: `${path.relative(LIB, file)}:${line}`, prop: `${name}.${member.name.getText(source)}` });
      }
    }
  }
  return { checked: [...reached].sort(), missing };
}
