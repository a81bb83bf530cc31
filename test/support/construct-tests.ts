/**
 * Test blocks that construct unit tests share word for word: strict schema validation of
 * everything a chart synthesizes, and the bad-input harness (base props overridden by
 * untyped values, the collected validation messages returned).
 */
import type { Construct } from 'constructs';
import { Environment, SystemChart } from '../../lib';
import { createValidator, K8S_VERSIONS } from './schema/validator';
import { errorsOf, testChart, testEnv } from './synth';

/** Objects are read inside the test, so a failure to synthesize fails the test, not the file. */
export function testStrictSchemaValidation(objects: () => ReadonlyArray<Record<string, unknown>>): void {
  test.each(K8S_VERSIONS)('every object passes strict Kubernetes %s schema validation', (version) => {
    const validator = createValidator(version);
    for (const object of objects()) expect(validator.validate(object)).toEqual([]);
  });
}

/** Props as bad input may give them: any field, any value (types are not trusted at run time). */
export type Untyped<P> = { readonly [K in keyof P]?: unknown };

/**
 * `errors(props, env?)`: the validation messages of a fresh chart (prod unless `env`) holding
 * one construct built by `build` from `base` overridden by `props`.
 */
export function badInputErrors<P extends object>(
  base: P,
  build: (chart: SystemChart, props: P) => Construct,
): (props: Untyped<P>, env?: Environment) => string[] {
  return (props, env = testEnv()) => {
    const { app, chart } = testChart(env);
    build(chart, { ...base, ...props } as unknown as P);
    return errorsOf(app);
  };
}

/** Exactly one message, about `field` of the construct at `path`, matching `message`. */
export function expectOneError(found: readonly string[], path: string, field: string, message: RegExp): void {
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(new RegExp(`^${escapeRegExp(`[${path}] ${field}: `)}`));
  expect(found[0]).toMatch(message);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
