// Code linting for lib, charts, test, scripts and main.ts (`npm run lint:code`, with
// `prettier --check`). Layout is prettier's job (.prettierrc.json): eslint-config-prettier
// switches off the stylistic rules that would disagree with it; only the line length is
// checked here again, because prettier cannot wrap long strings, templates or comments.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Generated, vendored or data files; the fixtures are broken on purpose (test/lint).
    ignores: ['dist/', 'imports/', 'node_modules/', '.build/', '.cache/', 'coverage/', 'test/schemas/', 'test/lint/fixtures/', '.dist-staging-*/', 'lib/**/scripts/', 'lib-dist/', 'docs-api/', 'templates/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `== null` covers null and undefined at once; everything else compares strictly.
      eqeqeq: ['error', 'smart'],
      // The same convention as tsconfig's noUnused*: a leading underscore marks a deliberate gap.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Props interfaces extending one base (`interface XProps extends BaseProps {}`) document the construct's API.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Tests take rendered manifests apart; typing every JSON path there would add noise, not safety.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
  {
    // Prettier wraps code at 150; string literals cannot be wrapped without changing them, so only they may run longer.
    rules: { 'max-len': ['error', { code: 150, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true }] },
  },
  {
    // Plain CommonJS scripts (the API report, the scaffold's bin) load modules with require().
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
