/** Container image references: `registry/repo:tag`, `repo@sha256:...`, or both. */
export interface ParsedImage {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImage(image: string): ParsedImage {
  // Props arrive unchecked from JavaScript; a non-string is reported by checkImageReference.
  const [nameAndTag, digest] = (typeof image === 'string' ? image : '').split('@', 2);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  return { repository, tag, digest };
}

/** True when the image names an immutable version: a digest, or a tag other than `latest`. */
export function isPinned(image: string): boolean {
  const parsed = parseImage(image);
  if (parsed.digest) return DIGEST.test(parsed.digest);
  return parsed.tag !== undefined && parsed.tag !== '' && parsed.tag !== 'latest';
}

// The grammar registries enforce (distribution/reference): an optional registry host,
// lower-case path components, a tag of at most 128 word characters, '.' and '-'.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Why the reference is malformed, or undefined. */
export function checkImageReference(image: string): string | undefined {
  if (typeof image !== 'string') return `must be an image reference string (is ${image === null ? 'null' : typeof image})`;
  if (image.trim() !== image || image.length === 0 || /\s/.test(image)) return 'must be a non-empty image reference without spaces';
  const parsed = parseImage(image);
  if (parsed.digest !== undefined && !DIGEST.test(parsed.digest)) return `digest '${parsed.digest}' must be sha256:<64 hex characters>`;
  if (parsed.repository !== parsed.repository.toLowerCase() && !hasRegistryHost(parsed.repository)) return 'repository must be lower case';
  const components = parsed.repository.split('/');
  const path = hasRegistryHost(parsed.repository) ? components.slice(1) : components;
  if (hasRegistryHost(parsed.repository) && !DOMAIN.test(components[0])) return `registry '${components[0]}' is not a valid host[:port]`;
  const badComponent = path.find((c) => !PATH_COMPONENT.test(c));
  if (path.length === 0 || badComponent !== undefined) {
    return `repository component '${badComponent ?? ''}' must be lower-case letters and digits, separated by '.', '_', '__' or '-'`;
  }
  if (parsed.tag !== undefined && !TAG.test(parsed.tag)) {
    return `tag '${parsed.tag}' must be 1-128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`;
  }
  return undefined;
}

/** The first path component names a registry when it has a '.' or ':' or is localhost (as docker reads it). */
function hasRegistryHost(repository: string): boolean {
  const slash = repository.indexOf('/');
  if (slash === -1) return false;
  const first = repository.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

/**
 * True when the reference names its registry: a first path component with a '.' or ':', or
 * `localhost` (`registry.acme-corp.io/api:1.0`, `docker.io/library/postgres:17`). `shop-api:1.0.0`
 * and `acme/app:1.0.0` do not: a runtime would pull them from Docker Hub.
 */
export function hasRegistry(image: string): boolean {
  const [nameAndTag] = (typeof image === 'string' ? image : '').split('@', 1);
  const slash = nameAndTag.indexOf('/');
  if (slash === -1) return false;
  const first = nameAndTag.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/** Where Docker Hub keeps an image named without a registry: official images under `library/`. */
export function dockerHubPath(image: string): string {
  return image.split('@', 1)[0].includes('/') ? image : `library/${image}`;
}

/** The version an image carries, for the `app.kubernetes.io/version` label. */
export function imageVersion(image: string): string | undefined {
  const parsed = parseImage(image);
  return parsed.tag ?? parsed.digest?.slice('sha256:'.length, 'sha256:'.length + 12);
}
