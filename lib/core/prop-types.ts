// The shape of the generated prop table, apart from the checks so that the table and the checks do not import each other.

/** What a prop accepts, as read from its TypeScript declaration (scripts/prop-types). */
export interface PropTypeSpec {
  readonly optional: boolean;
  readonly kinds: readonly string[];
  /** The values of a string enum. */
  readonly values?: readonly string[];
}

/** Props interface name -> prop name -> what it accepts. */
export type PropTypeTable = Readonly<Record<string, Readonly<Record<string, PropTypeSpec>>>>;
