import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { builtinModules } from "node:module";
import globals from "globals";

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      ".data/**",
      "node_modules/**",
      "drizzle/**",
      "next-env.d.ts",
      "*.config.*",
      "eslint.config.mjs",
      // Runs inside the code-node sandbox, in plain Node, outside this project's types.
      "server/sandbox/harness/**",
      // Code-node bodies, type-checked against the step SDK by nodes/eject.test.ts.
      "nodes/*/ejected.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // Plain JavaScript that Node starts directly (worker threads, child processes): no types.
    files: ["**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: activity types only, no Node APIs.
    files: ["workflows/**/*.ts"],
    ignores: ["workflows/**/*.test.ts", "workflows/bundle-check.ts", "workflows/record-history.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: "Workflow code must not use Node built-ins.",
          })),
          patterns: [
            {
              group: [
                "../server/*",
                "../server/**",
                "@/server/*",
                "../nodes/*",
                "@/nodes/*",
                "../nodes/**",
                "@/nodes/**",
              ],
              allowTypeImports: true,
              message: "Workflow code imports only types from activities (import type).",
            },
          ],
        },
      ],
    },
  },
  {
    // The browser bundle never contains server code; type-only imports (the tRPC router type) are
    // fine, and so is server/pipeline: the pipeline format, validator and diff, pure and isomorphic;
    // and server/auth/roles, the role ladder the UI uses to show each person what they may do.
    files: ["components/**/*.{ts,tsx}", "app/**/*.tsx"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(@/|(\\.\\./)+)server/(?!pipeline/(schema|validate|diff|parse|canonical)$|auth/roles$)",
              allowTypeImports: true,
              message:
                "components/ must not import server/ (use tRPC); only server/pipeline's pure modules are shared.",
            },
          ],
        },
      ],
    },
  },
  {
    // The shared pipeline modules run in the browser too: no Node built-ins, no server code.
    files: [
      "server/pipeline/{schema,validate,diff,parse,canonical}.ts",
      "server/auth/roles.ts",
      "nodes/**/node.ts",
      "nodes/index.ts",
      "nodes/types.ts",
    ],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: "Shared with the browser: no Node built-ins.",
          })),
          patterns: [
            {
              group: [
                "../compiler/*",
                "../services/*",
                "../db/*",
                "../temporal/*",
                "../../server/*",
              ],
              message: "Shared with the browser: pure modules only.",
            },
          ],
        },
      ],
    },
  },
);
