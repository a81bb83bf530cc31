/**
 * The images each environment runs, recorded in Git per system (`charts/releases/<system>.json`:
 * environment -> component -> path in the environment's registry, a tag and, when given, a
 * digest). A release reaches an environment by a commit that changes its entry: by hand for
 * dev, and for staging and prod by `npm run promote -- <system> --from <env> --to <env>`
 * (scripts/promote.mjs), which copies what the source environment runs and attaches the
 * target's plan. Nothing here reads a registry.
 */
import type { EnvironmentName } from 'cdk8s-stacks';
import chatnomina from './releases/chatnomina.json';
import featureModels from './releases/feature-models.json';
import loopi from './releases/loopi.json';

/** Component -> image path, per environment. */
export type ReleaseImages = Readonly<Record<EnvironmentName, Readonly<Record<string, string>>>>;

/** The systems whose images are promoted between environments, by system name. */
export const RELEASES: Readonly<Record<string, ReleaseImages>> = { chatnomina, 'feature-models': featureModels, loopi };

/**
 * The image path of one component in one environment. A missing entry throws, naming the file:
 * the synth stops before rendering an image that nobody recorded.
 */
export function releaseImage(system: string, env: EnvironmentName, component: string): string {
  const image = RELEASES[system]?.[env]?.[component];
  if (typeof image !== 'string') throw new Error(`charts/releases/${system}.json has no image for '${component}' in ${env}`);
  return image;
}
