import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** Paths that must never reach a log line. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-clment-identity']",
  "req.headers['x-clment-sso-binding']",
  "headers.authorization",
  "authorization",
  "password",
  "secret",
  "token",
  "*.password",
  "*.secret",
  "*.token",
  "req.headers['x-api-key']",
  "*.headers.authorization",
  "*.headers.cookie",
  "*.headers['x-clment-identity']",
  "*.headers['x-clment-sso-binding']",
  "apiKey",
  "*.apiKey",
  "keyHash",
  "*.keyHash",
  "passwordHash",
  "*.passwordHash",
  "signingSecret",
  "*.signingSecret",
  "IDENTITY_SECRET",
  "*.IDENTITY_SECRET",
  "IDENTITY_ACCEPTED_SECRETS",
  "*.IDENTITY_ACCEPTED_SECRETS",
  "LLM_API_KEY",
  "*.LLM_API_KEY",
];

export function createLogger(options: {
  service: string;
  region?: string;
  level?: string;
  /** Where lines go (stdout by default); tests capture them. */
  destination?: DestinationStream;
}): Logger {
  const settings = {
    level: options.level ?? "info",
    base: { service: options.service, ...(options.region ? { region: options.region } : {}) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
