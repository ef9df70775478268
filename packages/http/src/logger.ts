import { pino, type Logger } from "pino";

export type { Logger };

/** Paths that must never reach a log line. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-clment-identity']",
  "headers.authorization",
  "authorization",
  "password",
  "secret",
  "token",
  "*.password",
  "*.secret",
  "*.token",
];

export function createLogger(options: {
  service: string;
  region?: string;
  level?: string;
}): Logger {
  return pino({
    level: options.level ?? "info",
    base: { service: options.service, ...(options.region ? { region: options.region } : {}) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
