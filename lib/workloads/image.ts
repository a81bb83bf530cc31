/** Container image references: `registry/repo:tag`, `repo@sha256:...`, or both. */
export interface ParsedImage {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImage(image: string): ParsedImage {
  const [nameAndTag, digest] = image.split('@', 2);
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

/** Why the reference is malformed, or undefined. */
export function checkImageReference(image: string): string | undefined {
  if (image.trim() !== image || image.length === 0 || /\s/.test(image)) return 'must be a non-empty image reference without spaces';
  const parsed = parseImage(image);
  if (parsed.digest !== undefined && !DIGEST.test(parsed.digest)) return `digest '${parsed.digest}' must be sha256:<64 hex characters>`;
  if (parsed.repository !== parsed.repository.toLowerCase()) return 'repository must be lower case';
  return undefined;
}

/** The version an image carries, for the `app.kubernetes.io/version` label. */
export function imageVersion(image: string): string | undefined {
  const parsed = parseImage(image);
  return parsed.tag ?? parsed.digest?.slice('sha256:'.length, 'sha256:'.length + 12);
}
