// Layer rules live here, enforced by `npm run lint` in CI. Do not relax them:
// the renderer never reaches into main, src-shared stays pure, and only the Electron
// shell (src-main/app, src-main/preload) may import electron.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]);

const electron = {
  name: 'electron',
  message: 'Only src-main/app and src-main/preload may import electron; everything else runs in plain Node.',
};
const node = (where) =>
  nodeBuiltins.map((name) => ({ name, message: `${where} must not import Node built-ins ("${name}").` }));
const intoMain = {
  group: ['**/src-main', '**/src-main/**'],
  message: 'The renderer never imports src-main: call main through the bridge (src-renderer/src/bridge).',
};
/** The renderer's feature folders (ARCHITECTURE.md): each has its views, components, store, i18n. */
const rendererFeatures = ['accounts', 'browse', 'transfers', 'sharing', 'permissions', 'settings'];
const intoRenderer = {
  group: ['**/src-renderer', '**/src-renderer/**'],
  message: 'src-main never imports src-renderer.',
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  // Formatting is prettier's job; this turns off the stylistic rules that would fight it.
  prettier,
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    files: ['src-main/**', 'test/**', 'bench/**', 'scripts/**', 'bin/**', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'error',
    },
  },
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, ...node('src-shared')],
          patterns: [
            {
              regex: '^(?!zod$|zod/|\\.\\.?/)',
              message:
                'src-shared imports nothing but itself and zod (no Node, DOM, Electron or other packages).',
            },
            {
              group: ['**/src-main/**', '**/src-renderer/**'],
              message: 'src-shared imports nothing but itself.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'window',
          'document',
          'navigator',
          'localStorage',
          'sessionStorage',
          'location',
          'HTMLElement',
        ].map((name) => ({ name, message: 'src-shared runs in main and the renderer: no DOM.' })),
        ...['process', 'Buffer', 'require', '__dirname', 'global'].map((name) => ({
          name,
          message: 'src-shared runs in main and the renderer: no Node.',
        })),
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electron, ...node('The renderer')], patterns: [intoMain] },
      ],
    },
  },
  // The renderer is laid out by feature, like main. Shared pieces (ui/, bridge/) never reach
  // into a feature (i18n/index.ts is the set-up that gathers each feature's strings), and a feature's store (state) never imports a component or view.
  {
    files: ['src-renderer/src/ui/**', 'src-renderer/src/bridge/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, ...node('The renderer')],
          patterns: [
            intoMain,
            {
              regex: `^(\\.\\./)+(${rendererFeatures.join('|')})(/|$)`,
              message: 'ui/ and bridge/ are shared by every feature: they never import a feature folder.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/src/*/store.ts', 'src-renderer/src/*/*-store.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, ...node('The renderer')],
          patterns: [
            intoMain,
            { group: ['**/*.vue'], message: 'A store holds state: it never imports a component or a view.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**'],
    ignores: ['src-main/app/**', 'src-main/preload/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [intoRenderer] }] },
  },
  {
    files: ['src-main/app/**', 'src-main/preload/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [intoRenderer] }] },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron] }] },
  },
);
