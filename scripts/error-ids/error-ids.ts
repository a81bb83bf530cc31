/**
 * The stable ids of validation errors (lib/core/validation.ts, `ErrorId`), read from lib/
 * with the compiler API: every argument passed for a parameter typed `ErrorId` is a string
 * literal (an id raised there) or an expression typed `ErrorId` (an id passed through).
 * docs/error-ids.md is the table of them; test/core/error-ids.test.ts checks it is current,
 * that ids are unique and well formed, and that no call site is left without an id.
 *
 *   npx ts-node --transpile-only scripts/error-ids/generate.ts            # rewrites the table
 *   npx ts-node --transpile-only scripts/error-ids/generate.ts --assign F  # gives F's id-less calls ids
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export const ROOT = path.join(__dirname, '..', '..');
export const TABLE = path.join(ROOT, 'docs', 'error-ids.md');

/** One place an id is raised. */
export interface RaisedId {
  readonly id: string;
  /** lib-relative file and line. */
  readonly file: string;
  readonly line: number;
  /** The field argument as written (a literal's text, else the expression). */
  readonly field: string;
  /** The static text of the message (`…` where it is computed). */
  readonly message: string;
}

/** A call that gives no id (the deprecated two-argument form), or a computed one. */
export interface MissingId {
  readonly file: string;
  readonly line: number;
  readonly call: string;
  readonly reason: 'no id' | 'computed id';
  /** Where the id would go (the offset of the first argument) and the field/message arguments. */
  readonly insertAt: number;
  readonly fieldArg?: ts.Expression;
  readonly messageArg?: ts.Expression;
}

export interface IdScan {
  readonly raised: readonly RaisedId[];
  readonly missing: readonly MissingId[];
}

/** The id of each policy rule's violation is `policy.<rule id>` (lib/policy/evaluate.ts). */
export const POLICY_ID_TEMPLATE = 'policy.';

function libFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
    }
  };
  walk(path.join(ROOT, 'lib'));
  return out.sort();
}

/** A parameter, property or variable declared `ErrorId` (or `ErrorId | undefined`). */
function isErrorIdTyped(node: ts.Node | undefined): boolean {
  const declared = node && (ts.isParameter(node) || ts.isPropertySignature(node) || ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node));
  const type = declared ? (node as ts.ParameterDeclaration).type : undefined;
  const types = type && ts.isUnionTypeNode(type) ? type.types : type ? [type] : [];
  return types.some((t) => ts.isTypeReferenceNode(t) && t.typeName.getText() === 'ErrorId');
}

/** The literal text of a message argument; computed parts become `…`. */
export function staticText(node: ts.Expression | undefined): string {
  if (!node) return '';
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => `…${s.literal.text}`)].join('');
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return `${staticText(node.left)}${staticText(node.right)}`;
  return '…';
}

/** Every id raised in lib/ and every call that gives none. */
export function scanErrorIds(): IdScan {
  const files = libFiles();
  const program = ts.createProgram(files, {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const raised: RaisedId[] = [];
  const missing: MissingId[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const rel = path.relative(ROOT, file);
    const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const declaration = checker.getResolvedSignature(node)?.getDeclaration() as ts.SignatureDeclaration | undefined;
        const params = declaration?.parameters ?? [];
        const idIndex = params.findIndex((p) => isErrorIdTyped(p));
        const owner = declaration?.parent;
        const ownerName = owner && (ts.isClassDeclaration(owner) || ts.isClassExpression(owner)) ? owner.name?.text : undefined;
        const reportMethod =
          declaration && ts.isMethodDeclaration(declaration) && ['error', 'warn', 'typeError'].includes(declaration.name.getText());
        if (idIndex >= 0) {
          const arg = node.arguments[idIndex];
          const field = node.arguments[idIndex + 1];
          const message = node.arguments[idIndex + 2];
          if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) {
            raised.push({
              id: arg.text,
              file: rel,
              line: lineOf(arg),
              field: field && (ts.isStringLiteral(field) || ts.isNoSubstitutionTemplateLiteral(field)) ? field.text : (field?.getText(source) ?? ''),
              message: message ? staticText(message) : staticText(field),
            });
          } else if (
            arg &&
            ts.isTemplateExpression(arg) &&
            arg.head.text === POLICY_ID_TEMPLATE &&
            rel === path.join('lib', 'policy', 'evaluate.ts')
          ) {
            // The policy rules' ids: listed from the rules (see the table).
          } else {
            const symbol = arg && checker.getSymbolAtLocation(arg);
            const passedThrough = symbol?.declarations?.some((d) => isErrorIdTyped(d)) ?? false;
            if (!passedThrough) {
              missing.push({
                file: rel,
                line: lineOf(node),
                call: node.getText(source).slice(0, 80),
                reason: 'computed id',
                insertAt: arg?.getStart(source) ?? 0,
              });
            }
          }
        } else if (reportMethod && ownerName && ['ValidationReport', 'Checker'].includes(ownerName) && params[0]?.name.getText() === 'field') {
          missing.push({
            file: rel,
            line: lineOf(node),
            call: node.getText(source).slice(0, 80),
            reason: 'no id',
            insertAt: node.arguments[0].getStart(source),
            fieldArg: node.arguments[0],
            messageArg: node.arguments[1],
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { raised, missing };
}

/** The policy rules' ids, from the rules themselves. */
export function policyIds(): Array<{ id: string; message: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the table is built
  const { DEFAULT_RULES } = require('../../lib/policy/rules') as { DEFAULT_RULES: ReadonlyArray<{ id: string; description?: string; fix?: string }> };
  return DEFAULT_RULES.map((r) => ({ id: `${POLICY_ID_TEMPLATE}${r.id}`, message: r.fix ?? '' }));
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

/** docs/error-ids.md from a scan. */
export function tableSource(scan: IdScan, policy: ReadonlyArray<{ id: string; message: string }>): string {
  const rows = [
    ...scan.raised.map((r) => `| \`${r.id}\` | ${cell(r.field ? `\`${r.field}\`` : '')} | ${cell(r.message.slice(0, 140))} | ${r.file} |`),
    ...policy.map((p) => `| \`${p.id}\` | (rendered object) | ${cell(`policy rule; fix: ${p.message}`.slice(0, 140))} | lib/policy/rules |`),
  ].sort();
  const legacy = [...new Set(scan.missing.filter((m) => m.reason === 'no id').map((m) => m.file))].sort();
  return [
    '# Validation error ids',
    '',
    'Every validation error and warning carries a stable id, printed after its message',
    '(`[shop-prod/db] backup.target: … [store.backup.target-in-cluster]`). Search for an id here to',
    'find where it is raised; tests assert ids, not sentences. An id names one kind of problem and',
    'does not change when its message is reworded; a removed check retires its id.',
    '',
    'Generated by `npm run error-ids:update` from the literals passed as `ErrorId` in lib/;',
    'test/core/error-ids.test.ts fails when this table and the code differ.',
    '',
    ...(legacy.length
      ? [
          `Not yet converted (their errors carry \`unassigned.<field>\`): ${legacy.map((f) => `\`${f}\``).join(', ')}.`,
          'Convert with `npx ts-node --transpile-only scripts/error-ids/generate.ts --assign <file>`.',
          '',
        ]
      : []),
    '| id | field | message (computed parts: …) | raised in |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

export function readTable(): string {
  return fs.existsSync(TABLE) ? fs.readFileSync(TABLE, 'utf8') : '';
}

/** The ids the table lists. */
export function idsInTable(table: string): string[] {
  return [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}
