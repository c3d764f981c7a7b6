// ESLint (flat config) with typescript-eslint: the recommended rules, and the few this code base
// relies on being kept (no floating promises would need type information: left to review).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'bench/.work/', 'node_modules/', 'src/git/index-walk-wasm.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Injected into the CommonJS bundle (scripts/build.mjs): CommonJS on purpose.
    files: ['scripts/import-meta-url.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __filename: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        TextDecoder: 'readonly',
        WebAssembly: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off', // the quoting and escaping rules name control characters on purpose
    },
  },
);
