// @ts-check
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp/', '.scratch/']),

  // Every linted file: JavaScript config files at the top level and the TypeScript sources.
  eslint.configs.recommended,

  // TypeScript, with type information from tsconfig.json through the project service.
  {
    files: ['src/**/*.ts', '__tests__/**/*.ts', 'scripts/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
