// ESLint (typescript-eslint's recommended rules, without type information so
// it stays fast) and Prettier's formatting rules turned off here: Prettier
// owns layout. `npm test` runs both.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'test-results/', '.vscode-test/', 'examples/', 'buildpacks/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      // TypeScript checks names itself (and knows Node's and the DOM's globals).
      'no-undef': 'off',
      // JSON from CC, UAA, the cf CLI's config and API clients is read loosely and checked field by field.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Test fixtures that run as plain Node apps (pushed, or spawned): CommonJS with no build step.
  {
    files: ['test/fixtures/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
