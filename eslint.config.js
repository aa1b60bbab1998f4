import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.switchboard/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // domain/ is pure: it imports nothing from the rest of the server.
    files: ['packages/server/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '../api/*',
            '../storage/*',
            '../delivery/*',
            '../resources/*',
            '../listen/*',
            'node:*',
          ],
        },
      ],
    },
  },
  {
    // The HTTP layer (api/) calls resources and services, never the other way: the error
    // catalogue and the parameter fields live in stripe/, route declarations in resources/.
    files: [
      'packages/server/src/resources/**/*.ts',
      'packages/server/src/services/**/*.ts',
      'packages/server/src/stripe/**/*.ts',
      'packages/server/src/storage/**/*.ts',
      'packages/server/src/delivery/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/*'],
              message:
                'api/ is the HTTP layer: import from stripe/, resources/ or services/ instead.',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard speaks HTTP only: it imports no server source (what it needs, such as the
    // event types, it reads from the API), so nothing of the server ends up in its bundle.
    files: ['packages/dashboard/src/**/*.ts', 'packages/dashboard/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/**', '@switchboard/server', '@switchboard/server/**'],
              message:
                'The dashboard speaks HTTP only: read what it needs from the API (e.g. GET /v1/switchboard/event_types), never from server source.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
