import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Layering: transports (app/, components/) never touch db/ directly, and the pure core
// (parsers, scoring, gate evaluation) never touches node:*, env or the database.
const pureCore = [
  "server/ingest/formats/**",
  "server/ingest/util.ts",
  "server/ingest/types.ts",
  "server/ingest/redact.ts",
  "server/ingest/decode.ts",
  "server/attestation/canonical-json.ts",
  "server/attestation/dsse.ts",
  "server/attestation/statement.ts",
];

export default tseslint.config(
  {
    ignores: [".shots/**", ".next/**", "node_modules/**", "test-results/**", "playwright-report/**", ".data/**", "next-env.d.ts"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        TextDecoder: "readonly",
        TextEncoder: "readonly",
        Blob: "readonly",
        Response: "readonly",
        Request: "readonly",
        AbortController: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        structuredClone: "readonly",
        AbortSignal: "readonly",
        URLSearchParams: "readonly",
        performance: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-eval": "error",
      "no-implied-eval": "error",
    },
  },
  {
    files: ["app/**", "components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/db/*", "**/db/*", "postgres", "@electric-sql/*"],
              message: "app/ and components/ reach data through server/ verbs only.",
            },
          ],
        },
      ],
    },
  },
  {
    files: pureCore,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:*", "@/db/*", "**/db/*", "**/env", "@/server/env"],
              message: "Pure core: no node:*, no database, no env.",
            },
          ],
        },
      ],
      "no-restricted-globals": ["error", { name: "process", message: "Pure core: no env." }],
      "no-restricted-properties": ["error", { object: "Date", property: "now", message: "Pure core: pass the clock in." }],
    },
  },
);
