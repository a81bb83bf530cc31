import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * Finds code that reaches into a dependency's internals: patching a prototype, changing an
 * imported class or namespace, or reading a member the dependency keeps private. Such code
 * compiles, passes every test on the pinned version and breaks silently on an update (the
 * pipeline once replaced cdk8s's `ApiObject.prototype.toJson` and read its private fields).
 *
 * Syntactic, so it sees through `any`: a cast reaches a private member without the type
 * checker noticing, so the names a dependency declares `private` (read from its .d.ts
 * files) are refused wherever the receiver was cast to `any` (or through `unknown`) or the
 * member is named by a string; `_`-prefixed and `#` members everywhere.
 */

/** One finding: `file:line: what`. */
export type Finding = string;

const MUTATORS: Record<string, readonly string[]> = {
  Object: ['defineProperty', 'defineProperties', 'assign', 'setPrototypeOf'],
  Reflect: ['set', 'defineProperty', 'deleteProperty', 'setPrototypeOf'],
};
const READERS: Record<string, readonly string[]> = {
  Reflect: ['get', 'getOwnPropertyDescriptor', 'has'],
  Object: ['getOwnPropertyDescriptor'],
};

/** The names a package's .d.ts files declare `private` (TypeScript keeps them, untyped, in declarations). */
export function privateMemberNames(packageDirs: readonly string[]): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (entry.name.endsWith('.d.ts')) {
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/^\s*private\s+(?:static\s+)?(?:readonly\s+)?([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/^\s*(#[A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
      }
    }
  };
  for (const dir of packageDirs) walk(dir);
  names.delete('constructor');
  return names;
}

/** Identifiers bound by imports of packages (not of relative files): the dependencies' classes, functions and namespaces. */
function packageBindings(source: ts.SourceFile): Set<string> {
  const bound = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isImportEqualsDeclaration(statement)) {
      const ref = statement.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression) && !ref.expression.text.startsWith('.'))
        bound.add(statement.name.text);
      continue;
    }
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (statement.moduleSpecifier.text.startsWith('.')) continue;
    const clause = statement.importClause;
    if (!clause) continue;
    if (clause.name) bound.add(clause.name.text);
    const named = clause.namedBindings;
    if (named && ts.isNamespaceImport(named)) bound.add(named.name.text);
    if (named && ts.isNamedImports(named)) for (const element of named.elements) bound.add(element.name.text);
  }
  return bound;
}

/** The identifier an access chain starts from (`a` of `a.b.c`, `a['b'].c`, `(a as X).b`). */
function rootOf(expression: ts.Expression): ts.Identifier | undefined {
  let e: ts.Expression = expression;
  for (;;) {
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression;
    else if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e))
      e = e.expression;
    else return ts.isIdentifier(e) ? e : undefined;
  }
}

function mentionsPrototype(expression: ts.Expression): boolean {
  let e: ts.Expression = expression;
  for (;;) {
    if (ts.isPropertyAccessExpression(e) && e.name.text === 'prototype') return true;
    if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression) && e.argumentExpression.text === 'prototype') return true;
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression;
    else if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e))
      e = e.expression;
    else return false;
  }
}

function withoutCasts(expression: ts.Expression): ts.Expression {
  let e = expression;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

/**
 * `(x as any).m`, `(x as unknown as T).m`: casts that drop the receiver's type, so the type
 * checker no longer guards the access. A single cast to a named or inline type
 * (`(props as { replicas?: unknown }).replicas`, the run-time check of untrusted props) is not
 * one: TypeScript refuses it when the types do not overlap.
 */
function isCastReceiver(expression: ts.Expression): boolean {
  let e = expression;
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  if (!ts.isAsExpression(e) && !ts.isTypeAssertionExpression(e)) return false;
  if (e.type.kind === ts.SyntaxKind.AnyKeyword) return true;
  let inner = e.expression;
  while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
  return ts.isAsExpression(inner) || ts.isTypeAssertionExpression(inner);
}

function calleeOf(call: ts.CallExpression, table: Record<string, readonly string[]>): string | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return undefined;
  const owner = callee.expression.text;
  return table[owner]?.includes(callee.name.text) ? `${owner}.${callee.name.text}` : undefined;
}

const ASSIGNMENTS = new Set([
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.PlusEqualsToken,
  ts.SyntaxKind.MinusEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

/**
 * The findings in one TypeScript source.
 * @param privateNames the dependencies' private member names (privateMemberNames)
 */
export function findInternalsAccess(fileName: string, text: string, privateNames: ReadonlySet<string>): Finding[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const bindings = packageBindings(source);
  const findings: Finding[] = [];
  const report = (node: ts.Node, what: string): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    findings.push(`${fileName}:${line}: ${what}: ${node.getText(source).replace(/\s+/g, ' ').slice(0, 120)}`);
  };
  /** What is wrong with changing `target`, if anything. */
  const mutationProblem = (target: ts.Expression): string | undefined => {
    if (mentionsPrototype(target)) return 'changes a prototype';
    const root = rootOf(target);
    if (root && bindings.has(root.text)) return `changes '${root.text}', imported from a package`;
    return undefined;
  };
  const privateName = (name: string): boolean => name.startsWith('_') || name.startsWith('#') || privateNames.has(name);

  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && ASSIGNMENTS.has(node.operatorToken.kind)) {
      const left = node.left;
      if (ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left)) {
        const problem = mutationProblem(left);
        if (problem) report(node, problem);
      }
    }
    if (ts.isDeleteExpression(node)) {
      const problem = mutationProblem(node.expression);
      if (problem) report(node, problem);
    }
    if (ts.isCallExpression(node)) {
      const mutator = calleeOf(node, MUTATORS);
      const target = node.arguments[0];
      if (mutator && target) {
        const problem = mutationProblem(target);
        if (problem) report(node, `${mutator} ${problem}`);
      }
      const reader = calleeOf(node, READERS);
      const key = node.arguments[1] && withoutCasts(node.arguments[1]);
      if (reader && key && ts.isStringLiteralLike(key) && privateName(key.text)) report(node, `${reader} reads the private member '${key.text}'`);
    }
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (name.startsWith('_')) report(node, `reads the private member '${name}'`);
      else if (ts.isPrivateIdentifier(node.name) && node.expression.kind !== ts.SyntaxKind.ThisKeyword)
        report(node, `reads the private member '${name}' of another object`);
      else if (isCastReceiver(node.expression) && privateNames.has(name))
        report(node, `reads '${name}' through a cast, a member a dependency keeps private`);
    }
    if (ts.isElementAccessExpression(node)) {
      const key = withoutCasts(node.argumentExpression);
      if (ts.isStringLiteralLike(key) && privateName(key.text)) report(node, `reads the private member '${key.text}' by name`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** Every .ts file below `dir` (declarations excluded), relative paths. */
export function tsFilesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}
