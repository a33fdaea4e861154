// ESLint flat config: typescript-eslint's type-aware rules for the program, operator commands (ops/), policy pack
// and tests, plus the two rules of @pulumi/eslint-plugin (no Output inside a plain template
// string: use pulumi.interpolate / pulumi.concat). Run: `npm run lint`.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

/** Node.js globals for the few plain JavaScript files (CommonJS helpers, this config). */
const nodeGlobals = Object.fromEntries(
  [
    "require",
    "module",
    "exports",
    "__dirname",
    "__filename",
    "process",
    "console",
    "Buffer",
    "URL",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "structuredClone",
  ].map((name) => [name, "readonly"]),
);

export default defineConfig(
  globalIgnores([
    "**/node_modules/",
    "bin/",
    ".cache/",
    ".pulumi-state/",
    "policy/node_modules/",
    "policy/bin/",
    "tests/golden/",
    "tests/contract/.work/",
    "**/*.py",
  ]),
  {
    files: ["**/*.{js,cjs,mjs}"],
    extends: [js.configs.recommended],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // node:test's describe/test/it return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["describe", "suite", "test", "it", "before", "after"] },
          ],
        },
      ],
    },
  },
);
