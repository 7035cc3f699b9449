import js from "@eslint/js";
import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";

// Layering, data flowing one way (transport → verb → pure core → database):
// - transports (app/, components/, and the tRPC and REST layer in server/api/) never query the database: they
//   call server/ verbs (types from db/ are fine: they vanish at build time);
// - the pure core (parsers, scoring, gate evaluation, shared constants) touches no database, env, runtime, node:*
//   module or clock: it takes data, `now` included, and returns data. tests/unit/layering.test.ts proves these bite.
export const TRANSPORTS = ["app/**", "components/**", "server/api/**"];
export const PURE_CORE = [
  "server/api/rest/contract.ts",
  "server/errors.ts",
  "server/validation.ts",
  "server/audit/strip-secrets.ts",
  "server/auth/forms.ts",
  "server/auth/permissions.ts",
  "server/gate/decide.ts",
  "server/gate/policy.ts",
  "server/gate/policy-diff.ts",
  "server/gate/types.ts",
  "server/gate/waiver-status.ts",
  "server/ingest/decode.ts",
  "server/attestation/canonical-json.ts",
  "server/attestation/dsse.ts",
  "server/attestation/statement.ts",
  "server/ingest/detect.ts",
  "server/ingest/formats/**",
  "server/ingest/normalize.ts",
  "server/ingest/redact.ts",
  "server/ingest/risk-area.ts",
  "server/ingest/types.ts",
  "server/ingest/util.ts",
  "server/intel/parse.ts",
  "server/intel/priority.ts",
  "server/scoring/explain.ts",
  "server/scoring/formula.ts",
  "server/security/headers.ts",
  "server/tokens/token-scopes.ts",
  "server/views/cursor.ts",
  "server/views/filters.ts",
  "server/views/remediation-actions.ts",
];

// Bare module names are exact paths (a pattern "util" would also match "../util"); our own modules are patterns.
const DATABASE = {
  paths: ["drizzle-orm", "postgres"],
  patterns: ["@/db", "@/db/*", "**/db/*", "drizzle-orm/*", "@electric-sql/*"],
};
const restrictImports = ({ paths = [], patterns = [] }, message) => [
  "error",
  {
    paths: paths.map((name) => ({ name, message, allowTypeImports: true })),
    patterns: [{ group: patterns, message, allowTypeImports: true }],
  },
];

export default tseslint.config(
  {
    ignores: [
      ".shots/**",
      ".next/**",
      "node_modules/**",
      "test-results/**",
      "playwright-report/**",
      ".data/**",
      "next-env.d.ts",
      "tests/fixtures/layering/**",
    ],
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
    files: TRANSPORTS,
    rules: {
      "@typescript-eslint/no-restricted-imports": restrictImports(
        DATABASE,
        "Transports (app/, components/, server/api/) reach data through server/ verbs only.",
      ),
    },
  },
  {
    files: PURE_CORE,
    rules: {
      "@typescript-eslint/no-restricted-imports": restrictImports(
        {
          paths: [...DATABASE.paths, ...builtinModules.filter((m) => !m.startsWith("_")), "next"],
          patterns: [...DATABASE.patterns, "node:*", "next/*", "**/env", "**/runtime", "**/log"],
        },
        "Pure core: no database, env, runtime, logger or node:* module; take data (and `now`) as input.",
      ),
      "no-restricted-globals": [
        "error",
        { name: "process", message: "Pure core: no env." },
        { name: "fetch", message: "Pure core: no I/O." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Pure core: pass the clock in." },
        { object: "Math", property: "random", message: "Pure core: deterministic; take randomness as input." },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Pure core: pass the clock in." },
        { selector: "CallExpression[callee.name='Date']", message: "Pure core: pass the clock in." },
      ],
    },
  },
);
