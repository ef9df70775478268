/** One Jest run for the whole repository: ESM, TypeScript through SWC, real stores. */
const workspace = {
  "^@clment/(config|http|auth|db|queue|testing|runtime|idempotency|credits-client|webhooks|openapi|sdk|metrics)$":
    "<rootDir>/packages/$1/src/index.ts",
  "^@clment/(settings|contracts|review|credits)$": "<rootDir>/services/$1/src/index.ts",
  "^@clment/gateway$": "<rootDir>/gateway/src/index.ts",
};

export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "es6" },
      },
    ],
  },
  moduleNameMapper: {
    ...workspace,
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  testMatch: ["<rootDir>/**/test/**/*.test.ts", "<rootDir>/**/src/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  globalSetup: "<rootDir>/scripts/jest.global-setup.js",
  testTimeout: 30_000,
  maxWorkers: 2,
};
