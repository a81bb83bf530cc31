/**
 * The props of every construct, read from the TypeScript declarations with the compiler
 * API: for each exported construct class whose constructor takes a props (or options)
 * interface, each prop's accepted kinds (string, number, ..., or the values of a string
 * enum) and whether it is optional. lib/core/prop-types.generated.ts is this table;
 * test/validation/props.test.ts checks it is current and feeds bad values into every prop.
 *
 *   npx ts-node --transpile-only scripts/prop-types/generate.ts   # rewrites the table
 */
import * as path from 'path';
import * as ts from 'typescript';

export type PropKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'function' | 'any';

export interface PropSpec {
  readonly optional: boolean;
  readonly kinds: readonly PropKind[];
  /** For a string enum (a union of string literals): the allowed values. */
  readonly values?: readonly string[];
}

export interface ConstructProps {
  /** The construct class. */
  readonly construct: string;
  /** The props interface (or type alias) its constructor takes. */
  readonly propsType: string;
  /** Whether the props argument may be left out. */
  readonly optional: boolean;
  readonly props: Readonly<Record<string, PropSpec>>;
}

const ROOT = path.join(__dirname, '..', '..');

/**
 * Internal constructs built from what a user passes to a method (`autoscale(options)`,
 * `backup(props)`, the platform Prometheus's `server` props, a chart's `budget`): not exported,
 * but their props come from the user as much as a public construct's, so they are checked too.
 */
const INTERNAL_CONSTRUCT_MODULES = [
  'scaling/autoscaler',
  'scaling/vertical-autoscaler',
  'scaling/disruption-budget',
  'scaling/namespace-budget',
  'backup/backup-schedule',
  'backup/restore-job',
  'data/bucket-backup',
  'data/bucket-restore-job',
  'observability/prometheus-server',
  'observability/alertmanager-server',
  'security/system-namespace',
];

/** Every construct class lib/index.ts exports (and those of INTERNAL_CONSTRUCT_MODULES) with a props parameter, sorted by name. */
export function readPropsTable(): ConstructProps[] {
  const modules = INTERNAL_CONSTRUCT_MODULES.map((m) => path.join(ROOT, 'lib', `${m}.ts`));
  const program = ts.createProgram([path.join(ROOT, 'lib', 'index.ts'), ...modules], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.join(ROOT, 'lib', 'index.ts'));
  if (!index) throw new Error('lib/index.ts not found');
  const out: ConstructProps[] = [];
  const sources = [index, ...modules.map((m) => program.getSourceFile(m))];
  const exports = sources.flatMap((s) => (s ? checker.getExportsOfModule(checker.getSymbolAtLocation(s) as ts.Symbol) : []));
  const seen = new Set<ts.Symbol>();
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    const declaration = symbol.declarations?.find(ts.isClassDeclaration);
    if (!declaration || !declaration.name) continue;
    if (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Abstract) continue;
    const classType = checker.getDeclaredTypeOfSymbol(symbol) as ts.InterfaceType;
    if (!extendsConstruct(classType, checker)) continue;
    const ctor = declaration.members.find(ts.isConstructorDeclaration);
    if (!ctor || ts.getCombinedModifierFlags(ctor) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    const param = ctor.parameters.find((p) => p.type && /(Props|Options)$/.test(typeName(p.type)));
    if (!param || !param.type) continue;
    const propsType = checker.getTypeFromTypeNode(param.type);
    const props: Record<string, PropSpec> = {};
    for (const prop of checker.getPropertiesOfType(checker.getNonNullableType(propsType))) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!decl) continue;
      props[prop.name] = classify(checker.getTypeOfSymbolAtLocation(prop, decl), (prop.flags & ts.SymbolFlags.Optional) !== 0, checker);
    }
    out.push({
      construct: declaration.name.text,
      propsType: typeName(param.type),
      optional: param.questionToken !== undefined || param.initializer !== undefined,
      props: sortedObject(props),
    });
  }
  return out.sort((a, b) => (a.construct < b.construct ? -1 : 1));
}

function typeName(node: ts.TypeNode): string {
  return ts.isTypeReferenceNode(node) ? node.typeName.getText() : node.getText();
}

function extendsConstruct(type: ts.InterfaceType, checker: ts.TypeChecker): boolean {
  for (const base of checker.getBaseTypes(type)) {
    if (base.symbol?.name === 'Construct' || base.symbol?.name === 'Chart') return true;
    if (extendsConstruct(base as ts.InterfaceType, checker)) return true;
  }
  return false;
}

function classify(type: ts.Type, optional: boolean, checker: ts.TypeChecker): PropSpec {
  const members = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  const kinds = new Set<PropKind>();
  const literals: string[] = [];
  for (const t of members) {
    if (t.flags & ts.TypeFlags.StringLiteral) literals.push((t as ts.StringLiteralType).value);
    else if (t.flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) kinds.add('string');
    else if (t.flags & ts.TypeFlags.NumberLike) kinds.add('number');
    else if (t.flags & ts.TypeFlags.BooleanLike) kinds.add('boolean');
    else if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) kinds.add('any');
    else if (checker.isArrayType(t) || checker.isTupleType(t)) kinds.add('array');
    else if (t.getCallSignatures().length > 0) kinds.add('function');
    else kinds.add('object');
  }
  if (literals.length > 0 && kinds.size === 0) return { optional, kinds: ['string'], values: literals.sort() };
  if (literals.length > 0) kinds.add('string');
  return { optional, kinds: [...kinds].sort() };
}

function sortedObject<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The text of lib/core/prop-types.generated.ts for a table. */
export function propTypesSource(table: readonly ConstructProps[]): string {
  const byType: Record<string, ConstructProps['props']> = {};
  for (const c of table) byType[c.propsType] = c.props;
  const body = Object.entries(byType)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([type, props]) =>
      [`  ${type}: {`, ...Object.entries(props).map(([name, spec]) => `    ${JSON.stringify(name)}: ${JSON.stringify(spec)},`), '  },'].join('\n'),
    )
    .join('\n');
  return [
    '// Generated by scripts/prop-types/generate.ts from the props interfaces of lib/; do not edit.',
    "import type { PropTypeTable } from './prop-types';",
    '',
    '// prettier-ignore',
    'export const PROP_TYPES: PropTypeTable = {',
    body,
    '};',
    '',
  ].join('\n');
}
