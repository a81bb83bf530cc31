import { IConstruct } from 'constructs';
import { PROP_TYPES } from './prop-types.generated';
import type { PropTypeSpec } from './prop-types';
import { addCheck } from './validation';
import { describeValue as describe } from './describe-value';

export type { PropTypeSpec, PropTypeTable } from './prop-types';

/**
 * Checks the top-level props of a construct against their declared types at synth time:
 * `npm run synth` does not type-check, so JavaScript (or a cast) can pass `null`, a number
 * for a string, or `'tcp'` for `'TCP'`. Each mismatch is a collected error on the prop.
 * @param propsType the name of the props interface, e.g. `WebServiceProps`
 */
export function checkProps(scope: IConstruct, propsType: string, props: unknown): void {
  const spec = PROP_TYPES[propsType];
  if (!spec) throw new Error(`checkProps: no declaration read for ${propsType}; run scripts/prop-types/generate.ts`);
  addCheck(scope, (report) => {
    if (props === undefined) {
      if (Object.values(spec).some((p) => !p.optional)) report.typeError('props.required', 'props', 'are required');
      return;
    }
    if (typeof props !== 'object' || props === null || Array.isArray(props)) {
      report.typeError('props.not-an-object', 'props', `must be an object (is ${describe(props)})`);
      return;
    }
    const values = props as Record<string, unknown>;
    for (const [name, prop] of Object.entries(spec)) {
      const problem = checkValue(values[name], prop);
      if (problem) report.typeError('props.wrong-type', name, problem);
    }
  });
}

/** `value` when it is an array, else none: wrong-typed props are reported by checkProps, and construction goes on. */
export function arrayOrEmpty<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** `value` when it is a non-null object, else undefined (reported by checkProps). */
export function objectOrUndefined<T>(value: T): T | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** Why `value` does not fit `spec`, or undefined. */
export function checkValue(value: unknown, spec: PropTypeSpec): string | undefined {
  if (value === undefined) return spec.optional ? undefined : 'is required';
  if (spec.values) {
    return spec.values.includes(value as string) ? undefined : `${describe(value)} must be one of ${spec.values.map((v) => `'${v}'`).join(', ')}`;
  }
  if (spec.kinds.includes('any')) return undefined;
  if (spec.kinds.some((kind) => fits(value, kind))) return undefined;
  return `must be ${spec.kinds.map(article).join(' or ')} (is ${describe(value)})`;
}

function fits(value: unknown, kind: string): boolean {
  switch (kind) {
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'number':
      return typeof value === 'number' && !Number.isNaN(value);
    default:
      return typeof value === kind;
  }
}

function article(kind: string): string {
  return kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`;
}
