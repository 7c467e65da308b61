// ESLint flat config, checked by `npm run lint`: typescript-eslint's type-aware recommended rules on every TypeScript
// source (core extract transform load jobs schedules app examples tools bench test) plus the plain recommended
// rules on the bin/*.mjs launchers and config files.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'data/', 'demo/', 'inbox/', 'outbox/', 'reports/', 'test/support/odoo/captures/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // a promise nobody awaits loses its error (unhandled rejection) and its ordering
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `any` only where a comment says why: `// eslint-disable-next-line @typescript-eslint/no-explicit-any -- <reason>`
      '@typescript-eslint/no-explicit-any': 'error',
      // a caught error or rejection passed on as it was is fine (its type is unknown); new rejections must be Errors
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // knex rows, JSON.parse and some library types (knex.client) are `any`: typing every query result would be a rewrite;
      // no-explicit-any keeps our own code from adding more
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // String(v) on untyped row and Odoo values (primitives at run time) is deliberate; template literals are still checked
      '@typescript-eslint/no-base-to-string': 'off',
      // knex results are cast with `as` (the codebase's pattern); the rule wants knex's generic type arguments instead,
      // and its autofix drops casts that contextual typing needs
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // async functions without await implement Promise-returning interfaces (Job.run, test doubles); dropping `async`
      // would turn their throws into synchronous ones
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names are deliberately unused (positional parameters, destructuring to drop a key)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
);
