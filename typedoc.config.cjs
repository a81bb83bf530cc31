// `npm run docs`: the API reference of the package entry point, from the doc comments, into docs-api/ (git-ignored).
const { OptionDefaults } = require('typedoc');

/** @type {Partial<import('typedoc').TypeDocOptions>} */
module.exports = {
  entryPoints: ['lib/index.ts'],
  tsconfig: 'tsconfig.build.json',
  out: 'docs-api',
  name: 'cdk8s-stacks',
  readme: 'none',
  excludeInternal: true,
  excludePrivate: true,
  // The generated CRD bindings in imports/ document their schema origin with @schema.
  blockTags: [...OptionDefaults.blockTags, '@schema'],
  validation: { notExported: false, invalidLink: true, notDocumented: false },
};
