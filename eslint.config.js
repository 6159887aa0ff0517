import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import ts from 'typescript-eslint'
import svelteConfig from './svelte.config.js'

/** Module boundaries from docs (DESIGN.md): each folder may only import what it owns. */
const boundaries = [
  {
    folder: 'client/src/board',
    banned: [
      '**/net/**',
      '**/render/**',
      '**/tools/**',
      '**/state/**',
      '**/ui/**',
      '**/voice/**',
      '**/export/**',
      'svelte',
      'svelte/*',
    ],
  },
  {
    folder: 'client/src/net',
    banned: [
      '**/board/**',
      '**/render/**',
      '**/tools/**',
      '**/state/**',
      '**/ui/**',
      '**/voice/**',
      '**/export/**',
      'svelte',
      'svelte/*',
    ],
  },
  {
    folder: 'client/src/render',
    banned: [
      '**/net/**',
      '**/tools/**',
      '**/state/**',
      '**/ui/**',
      '**/voice/**',
      '**/export/**',
      'svelte',
      'svelte/*',
    ],
  },
  {
    folder: 'client/src/tools',
    banned: [
      '**/net/**',
      '**/state/**',
      '**/ui/**',
      '**/voice/**',
      '**/export/**',
      'svelte',
      'svelte/*',
    ],
  },
  {
    folder: 'client/src/ui',
    banned: [
      '**/board/**',
      '**/net/**',
      '**/render/**',
      '**/tools/**',
      '**/voice/**',
      '**/export/**',
    ],
  },
  { folder: 'shared', banned: ['**/client/**', '**/server/**', 'node:*'] },
  { folder: 'server/src', banned: ['**/client/**'] },
]

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  ...boundaries.map(({ folder, banned }) => ({
    files: [`${folder}/**/*.ts`, `${folder}/**/*.svelte`],
    ignores: [`${folder}/**/*.test.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: banned,
              message: `${folder} may not import this (see DESIGN.md module boundaries)`,
            },
          ],
        },
      ],
    },
  })),
)
