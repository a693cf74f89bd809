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
      "lib/sandbox/harness/**",
      // Files that break the layer rules on purpose, for scripts/layers.test.ts.
      "scripts/layer-fixtures/**",
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
    ignores: ["workflows/**/*.test.ts"],
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
                "../lib/*",
                "../lib/**",
                "@/lib/*",
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
  // The layers, bottom up: workflows (the plan, the workflow code) < lib < nodes < common <
  // server < components < app. A folder imports only from below; scripts/layers.ts checks the folder graph has no
  // cycle, and scripts/layers.test.ts proves each rule below fails on a forbidden import.
  ...layerRules(),
);

/** One restricted-imports rule per group of files (flat config keeps only the last per file). */
function layerRules() {
  const from = (folders) => `^(@/|(\\.\\./)+)(${folders})(/|$)`;
  const builtins = (why) => nodeBuiltins.map((name) => ({ name, message: why }));
  const rule = (files, ignores, patterns, paths = []) => ({
    files,
    ignores,
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { paths, patterns }] },
  });
  const tests = ["**/*.test.ts", "**/testing/**"];
  const definitions = [
    "nodes/index.ts",
    "nodes/types.ts",
    "nodes/*/node.ts",
    "nodes/*-ports.ts",
    "nodes/code-declarations.ts",
    "nodes/tune-search/space.ts",
  ];
  const serverSide = {
    regex: `${from("nodes/sdk|nodes/activities|nodes/code-step")}|^\\.{1,2}/(.*/)?(activity|activities|code-step|sdk/.*)$`,
    message:
      "Node implementations (activities, the step SDK) are server-side: import node definitions only.",
  };
  return [
    rule(["lib/**/*.ts"], tests, [
      {
        regex: from("nodes|common|server|components|app"),
        message:
          "lib/ (data, ML, sandbox) is the bottom layer: it imports no nodes/, common/, server/ or UI code. Take what you need as a parameter (see lib/data/step-io.ts).",
      },
    ]),
    rule(
      ["nodes/**/*.ts"],
      [...tests, ...definitions],
      [
        {
          regex: from("server|common|components|app"),
          message:
            "Node code reaches the database, Temporal and services only through the step context (ctx.services): import the SDK (nodes/sdk) and lib/.",
        },
      ],
    ),
    rule(
      definitions,
      tests,
      [
        {
          regex: from("server|common|components|app"),
          message: "Node definitions are shared with the browser: no server code.",
        },
        {
          regex: from("lib"),
          allowTypeImports: true,
          message: "Node definitions are shared with the browser: only types from lib/.",
        },
        serverSide,
      ],
      builtins("Node definitions are shared with the browser: no Node built-ins."),
    ),
    rule(
      ["common/**/*.ts"],
      tests,
      [
        {
          regex: from("server|components|app"),
          message:
            "common/ is shared by browser and server: it imports node definitions and lib/ types, nothing above it.",
        },
        {
          regex: from("lib"),
          allowTypeImports: true,
          message: "common/ is shared with the browser: only types from lib/.",
        },
        serverSide,
      ],
      builtins("common/ is shared with the browser: no Node built-ins."),
    ),
    rule(["components/**/*.{ts,tsx}", "app/**/*.tsx"], tests, [
      {
        regex: from("server|lib"),
        allowTypeImports: true,
        message:
          "The browser bundle never contains server code: use tRPC; import only types (the router's) from server/ and lib/.",
      },
      serverSide,
    ]),
  ];
}
