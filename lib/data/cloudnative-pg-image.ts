import type { ValidationReport } from '../core/validation';
import { checkImageReference, parseImage } from '../workloads/image';
import { CloudNativePgProps, CNPG_IMAGES } from './cloudnative-pg-settings';
import { TIMESCALEDB_PARAMETERS } from './postgres-config';

/** The uid and gid of `postgres` in CloudNativePG's own images (api/v1 DefaultPostgresUID). */
export const CNPG_DEFAULT_UID = 26;

/** A shared library's file name as `shared_preload_libraries` lists it. */
const LIBRARY = /^[a-z_][a-z0-9_]{0,62}$/;

/** What the Cluster runs: its image, its user, and what its flavour adds to the server. */
export interface CloudNativePgOperand {
  /** The image the instances run. */
  readonly reference: string;
  /**
   * Set for an image of the user's: the Cluster selects it through an ImageCatalog under
   * `major`, run as `uid`:`gid`.
   * @default - CloudNativePG's own image, by name
   */
  readonly custom?: { readonly major: number; readonly uid: number; readonly gid: number };
  /** `.spec.postgresql.shared_preload_libraries`, empty for none. */
  readonly sharedPreloadLibraries: readonly string[];
  /** Server parameters the flavour needs beside the tuning. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Statements run as the superuser in the application database at bootstrap (extensions an owner cannot create). */
  readonly postInitApplicationSql: readonly string[];
}

/** The operand of a store of `version` and `flavour` on an engine with options `props` (as given: unchecked). */
export function cloudNativePgOperand(props: Partial<CloudNativePgProps>, version: string, flavour: string): CloudNativePgOperand {
  const image = typeof props.image === 'object' && props.image !== null ? props.image : undefined;
  const timescale = flavour === 'timescaledb';
  const given = Array.isArray(props.sharedPreloadLibraries) ? props.sharedPreloadLibraries.filter((l) => typeof l === 'string') : [];
  const uid = image?.uid ?? CNPG_DEFAULT_UID;
  return {
    reference: image?.reference ?? CNPG_IMAGES[version] ?? `ghcr.io/cloudnative-pg/postgresql:${version}`,
    custom: image ? { major: Number(version), uid, gid: image.gid ?? uid } : undefined,
    sharedPreloadLibraries: [...new Set([...(timescale ? ['timescaledb'] : []), ...given])],
    parameters: timescale ? TIMESCALEDB_PARAMETERS : {},
    // The extension is not trusted: the owner cannot create it, the superuser does at bootstrap.
    postInitApplicationSql: timescale ? ['CREATE EXTENSION IF NOT EXISTS timescaledb;'] : [],
  };
}

/** The checks of `engine.image` and `engine.sharedPreloadLibraries` for a store of `version` and `flavour`. */
export function checkCloudNativePgOperand(report: ValidationReport, props: Partial<CloudNativePgProps>, version: string, flavour: string): void {
  const image: unknown = props.image;
  if (image === undefined) {
    if (flavour === 'timescaledb') {
      report.error(
        'cloudnative-pg-engine.engine.image.timescaledb',
        'engine.image',
        "is required for flavour 'timescaledb': CloudNativePG's own images carry no TimescaleDB; give an image with TimescaleDB that meets CloudNativePG's image requirements, e.g. { reference: 'docker.io/timescale/timescaledb-ha:pg17.6-ts2.21.3', uid: 1000 }",
      );
    } else if (!(version in CNPG_IMAGES)) {
      report.error(
        'cloudnative-pg-engine.version',
        'version',
        `'${version}' has no CloudNativePG image (supported: ${Object.keys(CNPG_IMAGES).join(', ')}); or give engine.image`,
      );
    }
  } else if (typeof image !== 'object' || image === null || Array.isArray(image)) {
    report.error('cloudnative-pg-engine.engine.image.shape', 'engine.image', 'must be { reference, uid?, gid? }');
  } else {
    checkImage(report, image as Record<string, unknown>, version);
  }
  checkLibraries(report, props.sharedPreloadLibraries);
}

function checkImage(report: ValidationReport, image: Record<string, unknown>, version: string): void {
  const reference = image.reference;
  const malformed = checkImageReference(reference as string);
  if (malformed !== undefined) {
    report.error('cloudnative-pg-engine.engine.image.reference', 'engine.image.reference', malformed);
  } else {
    const tag = parseImage(reference as string).tag;
    if (tag === undefined || tag === 'latest') {
      report.error(
        'cloudnative-pg-engine.engine.image.reference-tag',
        'engine.image.reference',
        `'${String(reference)}' must name an explicit version tag (not 'latest' or none): the operator rolls the instances when the reference changes, never when a tag moves`,
      );
    } else {
      // The tags of CloudNativePG's images start with the major (17.6-...), Timescale's with pg<major> (pg17.6-ts2.21.3).
      const major = /^(?:pg)?(\d+)(?:[._-]|$)/.exec(tag)?.[1];
      if (major !== undefined && major !== version) {
        report.error(
          'cloudnative-pg-engine.engine.image.reference-major',
          'engine.image.reference',
          `tag '${tag}' is PostgreSQL ${major}, the store's version is '${version}': the ImageCatalog would declare the image as ${version}`,
        );
      }
    }
  }
  for (const field of ['uid', 'gid'] as const) {
    const v = image[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2147483647)) {
      report.error(
        'cloudnative-pg-engine.engine.image.user',
        `engine.image.${field}`,
        `${JSON.stringify(v)} must be a whole number from 1 to 2147483647 (the image's postgres user; never root)`,
      );
    }
  }
  const unknown = Object.keys(image).filter((k) => !['reference', 'uid', 'gid'].includes(k));
  if (unknown.length > 0)
    report.error('cloudnative-pg-engine.engine.image.unknown', 'engine.image', `unknown field(s) ${unknown.join(', ')}: reference, uid, gid`);
}

function checkLibraries(report: ValidationReport, libraries: unknown): void {
  if (libraries === undefined) return;
  if (!Array.isArray(libraries)) {
    report.error('cloudnative-pg-engine.engine.shared-preload-libraries-shape', 'engine.sharedPreloadLibraries', 'must be a list of library names');
    return;
  }
  const bad = libraries.filter((l) => typeof l !== 'string' || !LIBRARY.test(l));
  if (bad.length > 0) {
    report.error(
      'cloudnative-pg-engine.engine.shared-preload-libraries-name',
      'engine.sharedPreloadLibraries',
      `${bad.map((l) => JSON.stringify(l)).join(', ')}: a library is named by its file name without suffix (lower-case letters, digits, '_'), e.g. 'timescaledb'`,
    );
  }
  const twice = libraries.filter((l, i) => libraries.indexOf(l) !== i);
  if (twice.length > 0) {
    report.error(
      'cloudnative-pg-engine.engine.shared-preload-libraries-duplicate',
      'engine.sharedPreloadLibraries',
      `${[...new Set(twice)].join(', ')} listed twice`,
    );
  }
}
