import { z } from "zod";
import type { IntegrationProvider } from "../data/db.js";

export const INTEGRATION_PROVIDERS = [
  "s3",
  "google_drive",
  "sharepoint",
] as const satisfies readonly IntegrationProvider[];

export function isIntegrationProvider(value: unknown): value is IntegrationProvider {
  return typeof value === "string" && (INTEGRATION_PROVIDERS as readonly string[]).includes(value);
}

/** The fields of each provider's configuration that are secrets: write-only, encrypted at rest. */
export const SECRET_FIELDS = {
  s3: ["secretAccessKey"],
  google_drive: ["clientSecret", "refreshToken"],
  sharepoint: ["clientSecret"],
} as const satisfies Record<IntegrationProvider, readonly string[]>;

/** An https URL, or http too when the region allows it (local development and tests). */
export function webUrl(allowHttp: boolean) {
  return z
    .string()
    .trim()
    .max(2048)
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === "https:" || (allowHttp && url.protocol === "http:");
        } catch {
          return false;
        }
      },
      { message: allowHttp ? "must be an http(s) URL" : "must be an https URL" },
    );
}

const secret = z.string().min(1).max(4096);
const text = (max: number) => z.string().trim().min(1).max(max);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The configuration each provider accepts, as a PUT body. Secret fields are optional: absent, the
 * stored one is kept (the first save must include them).
 */
export function integrationConfigSchemas(allowHttp: boolean) {
  return {
    s3: z.strictObject({
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 characters)"),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region, e.g. eu-west-1"),
      accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, "must be an AWS access key id"),
      secretAccessKey: secret.optional(),
      prefix: z.string().max(1024).optional(),
      endpoint: webUrl(allowHttp).optional(),
    }),
    google_drive: z.strictObject({
      clientId: text(512),
      clientSecret: secret.optional(),
      refreshToken: secret.optional(),
      folderId: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, "must be a Google Drive folder id")
        .optional(),
    }),
    sharepoint: z.strictObject({
      tenantId: z.string().regex(GUID, "must be a Microsoft Entra tenant id (a GUID)"),
      clientId: z.string().regex(GUID, "must be an application (client) id (a GUID)"),
      clientSecret: secret.optional(),
      siteUrl: webUrl(false),
      driveId: text(256).optional(),
    }),
  } satisfies Record<IntegrationProvider, z.ZodType>;
}

export type IntegrationConfigSchemas = ReturnType<typeof integrationConfigSchemas>;
export type IntegrationConfigInput = z.output<
  IntegrationConfigSchemas[keyof IntegrationConfigSchemas]
>;

/** How a secret field appears in answers: whether it is set, never its value. */
export interface SecretState {
  set: boolean;
}

export interface Integration {
  provider: IntegrationProvider;
  configured: boolean;
  /** The non-secret fields, and `{set}` for each secret field; null when not configured. */
  config: Record<string, unknown> | null;
  updatedAt: string | null;
}
