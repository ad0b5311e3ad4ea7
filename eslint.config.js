import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'coverage', '.vigil-test'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    files: [
      'src/app/cli.ts',
      'src/app/demo.ts',
      'src/app/main.ts',
      'bench/**',
      'bin/**',
      'test/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/domain/**', 'src/projections/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'Time comes in on the command.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time comes in on the command.',
        },
        {
          selector: "CallExpression[callee.name='randomUUID']",
          message: 'Ids come in on the command.',
        },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'No randomness in pure layers.',
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', '../app/*', '../eventstore/*', '**/app/**', '**/eventstore/**'] },
      ],
    },
  },
);
