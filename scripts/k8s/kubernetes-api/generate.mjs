// Generates lib/policy/kubernetes-api.json: what every Kubernetes release the library supports
// (1.27 to the newest the project builds, scripts/k8s/versions.env) serves, in one compact file
// the synth validates objects with, offline (lib/policy/kubernetes-api.ts reads it).
//
//   node scripts/k8s/kubernetes-api/generate.mjs          # regenerate (downloads what the cache lacks)
//
// The source of each release is the OpenAPI document Kubernetes publishes in its own module,
// `api/openapi-spec/swagger.json` of k8s.io/kubernetes at that tag, fetched from the Go module
// proxy (the same place the cluster suite builds Kubernetes from) and checked against the zip
// digests pinned below. Zips are cached in ${CDK8S_STACKS_CACHE:-.cache}/k8s-openapi/.
//
// The compact form keeps what validation needs and nothing else (no descriptions, no patch
// strategies): each kind with the releases that serve it, each type with its fields, each field
// with its type and, when not every release has it with that type, the runs of releases that have it
// with each type. 11 releases of ~3-5 MB
// each become one file of a few hundred KB.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(root, 'lib', 'policy', 'kubernetes-api.json');
const cache = join(process.env.CDK8S_STACKS_CACHE ?? join(root, '.cache'), 'k8s-openapi');

/**
 * One release per minor, 1.27 to 1.37: the two the cluster suite builds (versions.env: 1.27.16,
 * 1.37.2) and a recent patch release of every minor between. sha256 of the module zip.
 */
const RELEASES = {
  '1.27.16': '8929482eb9c3bd78c30d37783a6163b23fd4dafddcc6883e99f3b3f987a4e8eb',
  '1.28.15': '747b304a3adce86668f6f7c7db5cbd69c1e35b222b9f6ce37d9537d211517282',
  '1.29.15': '3b627faeee946a80e98e2a489866fa8534ccf33860f3d0c3c8fe1c035346a46e',
  '1.30.14': '37f61393f5f6303eca578cb027b3d4b83bb4ac3916426ba6961a78cddf083815',
  '1.31.14': '823014fb3b8643f3ec52be922cabf0446e92423b2d8f40ffa0c1f5ff3fbe82e8',
  '1.32.13': '545b73e6a5df5b9db8c724e4d9b60d2c0c70f55e48de455a067c16f4f2dad86e',
  '1.33.13': 'cd4e4f983deae0fe76915c8d0ae4caf0c2d74c7f377b2e0cd27cc5ce3794b56d',
  '1.34.4': '6641440638f79b2115813c8f2ba26d35b2ab7fb4d8a5111fbee279d93abf1fcb',
  '1.35.4': '9fc1e1dc3b24a61495c578c5c631c45d74707dd415d748e13fc27441f44327a6',
  '1.36.3': '42944231bce5403ec572575f23d4306e88df359108774a6de35f41d2f9a13384',
  '1.37.2': 'dcfaeb46861398df1c931948c9775b31cbe6eba35cc97ed1bb87106ab7327b9e',
};

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
/** Types whose JSON form is not their declared one (upstream marks them with formats or leaves them untyped). */
const SPECIAL = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'x',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'q',
};

function swagger(version) {
  const zip = join(cache, `v${version}.zip`);
  if (!existsSync(zip)) {
    mkdirSync(cache, { recursive: true });
    const url = `https://proxy.golang.org/k8s.io/kubernetes/@v/v${version}.zip`;
    console.error(`fetching ${url}`);
    execFileSync('curl', ['-sSfL', '-o', `${zip}.part`, url], { stdio: 'inherit' });
    renameSync(`${zip}.part`, zip);
  }
  const digest = createHash('sha256').update(readFileSync(zip)).digest('hex');
  if (digest !== RELEASES[version]) throw new Error(`${zip}: sha256 ${digest}, pinned ${RELEASES[version]}; delete it to fetch again`);
  const text = execFileSync('unzip', ['-p', zip, `k8s.io/kubernetes@v${version}/api/openapi-spec/swagger.json`], { maxBuffer: 64 << 20 });
  return JSON.parse(text.toString('utf8')).definitions;
}

/** The compact type of a schema node: s, i, n, b, q, x, * (anything), o (free-form object), [T (list of T), {T (map of T), #Name. */
function typeOf(node) {
  if (node.$ref) {
    const name = node.$ref.replace('#/definitions/', '');
    return SPECIAL[name] ?? `#${name}`;
  }
  if (node.format === 'int-or-string') return 'x';
  switch (node.type) {
    case 'string':
      return 's';
    case 'integer':
      return 'i';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'array':
      return `[${node.items ? typeOf(node.items) : '*'}`;
    case 'object':
      if (node.additionalProperties && typeof node.additionalProperties === 'object') return `{${typeOf(node.additionalProperties)}`;
      return 'o';
    default:
      return '*';
  }
}

const versions = Object.keys(RELEASES);
const last = versions.length - 1;
/** name -> { index -> definition } */
const byName = new Map();
/** gvk -> { name, releases: Set<index> } */
const kinds = new Map();
for (const [index, version] of versions.entries()) {
  for (const [name, definition] of Object.entries(swagger(version))) {
    if (!byName.has(name)) byName.set(name, new Map());
    byName.get(name).set(index, definition);
    if (name.startsWith(META)) continue; // DeleteOptions, WatchEvent...: listed under every group-version, not kinds
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      // Alpha APIs are never served unless a cluster enables them.
      if (/alpha/.test(gvk.version)) continue;
      const key = `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`;
      if (!kinds.has(key)) kinds.set(key, { name, releases: new Set() });
      kinds.get(key).releases.add(index);
    }
  }
}

/** [first, last] release index of a set, checked to be contiguous (an API comes once and goes once). */
function range(indexes, what) {
  const sorted = [...indexes].sort((a, b) => a - b);
  if (sorted[sorted.length - 1] - sorted[0] + 1 !== sorted.length) console.error(`warning: ${what} is not in consecutive releases: ${sorted}`);
  return [sorted[0], sorted[sorted.length - 1]];
}

const types = {};
for (const name of [...byName.keys()].sort()) {
  if (SPECIAL[name]) continue;
  const releases = byName.get(name);
  const newest = releases.get(Math.max(...releases.keys()));
  const fields = {};
  const presence = new Map();
  for (const [index, definition] of releases)
    for (const field of Object.keys(definition.properties ?? {})) presence.set(field, (presence.get(field) ?? new Set()).add(index));
  for (const field of [...presence.keys()].sort()) {
    // Runs of releases with the same type: a field may change type (PVC resources: ResourceRequirements
    // until 1.28, VolumeResourceRequirements from 1.29), or come and go.
    const segments = [];
    for (const index of [...presence.get(field)].sort((a, b) => a - b)) {
      const type = typeOf(releases.get(index).properties[field]);
      const previous = segments[segments.length - 1];
      if (previous && previous[0] === type && previous[2] === index - 1) previous[2] = index;
      else segments.push([type, index, index]);
    }
    range(presence.get(field), `${name}.${field}`);
    fields[field] = segments.length === 1 && segments[0][1] === 0 && segments[0][2] === last ? segments[0][0] : segments;
  }
  // A field is required only where every release that has the type requires it.
  const required = [...releases.values()].map((d) => new Set(d.required ?? [])).reduce((a, b) => new Set([...a].filter((f) => b.has(f))));
  const entry = {};
  if (Object.keys(fields).length > 0) entry.f = fields;
  else entry.t = typeOf({ ...newest, $ref: undefined });
  if (required.size > 0) entry.r = [...required].sort();
  types[name] = entry;
}

const servedKinds = {};
for (const key of [...kinds.keys()].sort()) {
  const { name, releases } = kinds.get(key);
  servedKinds[key] = [name, ...range(releases, key)];
}

const document = { releases: versions, kinds: servedKinds, types };
writeFileSync(out, JSON.stringify(document) + '\n');
console.error(`wrote ${out}: ${Object.keys(servedKinds).length} kinds, ${Object.keys(types).length} types, ${JSON.stringify(document).length} bytes`);
