import { ARGOCD_HEALTH_CUSTOMIZATIONS } from '../../lib/gitops/argocd-health';
import { blankClusterProcedure, commandsFor } from '../integration/gitops/procedure';

/**
 * The README's "From a blank cluster" is what the GitOps suite (test/integration/gitops)
 * runs: its argocd-cm block and its bootstrap commands are read from the README there. These
 * checks keep the section readable by that suite without starting a cluster.
 */
describe("README 'From a blank cluster'", () => {
  test('holds exactly the argocd-cm health rules the generated dist relies on', () => {
    const { argocdCm } = blankClusterProcedure();
    expect(argocdCm).toEqual(ARGOCD_HEALTH_CUSTOMIZATIONS);
    expect(Object.keys(argocdCm)).toContain('resource.customizations.health.argoproj.io_Application');
    expect(argocdCm['resource.customizations.health.argoproj.io_Application']).toMatch(/obj\.status\.health\.status/);
  });

  test('bootstrap commands are kubectl commands on dist/prod that the suite runs per environment', () => {
    const { commands } = blankClusterProcedure();
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c).toMatch(/^kubectl\s/);
    expect(commands.join('\n')).toMatch(/dist\/prod\/argocd/);
    expect(commandsFor({ argocdCm: {}, commands }, 'dev').join('\n')).not.toMatch(/\bprod\b/);
  });

  test('a section without the settings block or with a foreign command is refused', () => {
    const section = (body: string) => `# x\n\n## From a blank cluster\n\n${body}\n\n## Next\n`;
    const cm = '```yaml\ndata:\n  resource.customizations.health.argoproj.io_Application: |\n    return {}\n```';
    expect(() => blankClusterProcedure(section('```sh\nkubectl apply -k dist/prod/argocd\n```'))).toThrow(/exactly one yaml block/);
    expect(() => blankClusterProcedure(section(`${cm}\n\n\`\`\`sh\nhelm install x\n\`\`\``))).toThrow(/must be kubectl commands.*helm install x/);
    expect(() => blankClusterProcedure(section(cm))).toThrow(/no sh block/);
    expect(blankClusterProcedure(section(`${cm}\n\n   \`\`\`sh\n   kubectl apply -k dist/prod/argocd   # the root\n   \`\`\``)).commands).toEqual([
      'kubectl apply -k dist/prod/argocd',
    ]);
  });
});
