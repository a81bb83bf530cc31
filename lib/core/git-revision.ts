import { describeValue } from './describe-value';

/**
 * Why `value` cannot be what Argo CD follows in a Git repository (a branch, a tag or a commit),
 * or undefined. The rules are git's for ref names (git-check-ref-format): what git refuses,
 * Argo CD cannot resolve, and the Application stays `Unknown` with a comparison error instead
 * of failing at synth.
 */
export function gitRevisionProblem(value: unknown): string | undefined {
  const allowed = 'a branch, tag or commit, e.g. main, develop, v1.2.0 or a commit id';
  if (typeof value !== 'string' || value === '') return `${describeValue(value)} must be ${allowed}`;
  if (/^[0-9a-f]{40}$/.test(value)) return undefined;
  const reasons: string[] = [];
  // git refuses spaces and control characters (below 0x20, and DEL) in ref names.
  if (/[\s~^:?*[\\]/.test(value) || [...value].some((ch) => ch < ' ' || ch === '\u007f'))
    reasons.push('contains a space, a control character or one of ~ ^ : ? * [ \\');
  if (value.includes('..') || value.includes('@{') || value.includes('//')) reasons.push("contains '..', '@{' or '//'");
  if (/^[-/.]|[/.]$/.test(value) || value.endsWith('.lock') || value.split('/').some((part) => part.startsWith('.')))
    reasons.push("starts with '-', '/' or '.', has a part starting with '.', or ends with '/', '.' or '.lock'");
  if (value === '@') reasons.push("is '@'");
  return reasons.length > 0 ? `'${value}' is not a Git ref name (${reasons.join('; ')}): must be ${allowed}` : undefined;
}
