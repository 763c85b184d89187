// @ts-check
import tseslint from 'typescript-eslint';

// The app (src/) is what Azure runs; the dev kit (devkit/) is the local stand-ins and tools. The app never
// imports the dev kit, and the stand-ins never use the app's evaluation code: a misconception shared by the
// simulated tenant and the engine would hide in both.
const APP_LAYERS = ['core', 'app', 'collect', 'storage', 'alerts', 'report', 'functions'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/devkit/**'], message: 'The app never imports the dev kit (devkit/): it is not deployed.' }] }],
      // Decisions apart from I/O, each readable at once: a longer function says why it must be (eslint-disable with a reason).
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    files: ['devkit/simulator/**/*.ts', 'devkit/emulators/**/*.ts', 'devkit/fixture/**/*.ts', 'devkit/generate/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: APP_LAYERS.map((layer) => `**/src/${layer}/**`), message: 'The simulated tenant, emulators, fixtures and generator are independent of the app (only src/graph budgets are shared).' }] },
      ],
    },
  },
);
