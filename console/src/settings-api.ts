/**
 * Types of the settings the console edits beyond the first pages (single sign-on, cloud
 * integrations), as `/v1/settings/...` answers them (see gateway/openapi.json).
 */

/** A write-only secret as the API shows it: whether it is stored, never its value. */
export interface SecretState {
  set: boolean;
}

export interface SsoConfig {
  issuer: string;
  clientId: string;
  clientSecret: SecretState;
  enforced: boolean;
  allowedDomains: string[];
  createdAt: string;
  updatedAt: string;
}

export type IntegrationProvider = "s3" | "google_drive" | "sharepoint";

export interface Integration {
  provider: IntegrationProvider;
  configured: boolean;
  /** Non-secret settings, and `{ set }` for each secret field; null when not configured. */
  config: Record<string, string | SecretState> | null;
  updatedAt: string | null;
}

export interface IntegrationField {
  name: string;
  label: string;
  /** Write-only: never shown back, blank keeps the stored one. */
  secret?: boolean;
  required?: boolean;
  hint?: string;
  type?: "url";
}

/** The fields each provider's PUT body takes (services/settings integration.model.ts). */
export const INTEGRATIONS: {
  provider: IntegrationProvider;
  name: string;
  fields: IntegrationField[];
}[] = [
  {
    provider: "s3",
    name: "Amazon S3",
    fields: [
      { name: "bucket", label: "Bucket", required: true },
      { name: "region", label: "AWS region", required: true, hint: "e.g. eu-west-1" },
      { name: "accessKeyId", label: "Access key ID", required: true },
      { name: "secretAccessKey", label: "Secret access key", secret: true },
      { name: "prefix", label: "Key prefix (optional)" },
      {
        name: "endpoint",
        label: "Endpoint URL (optional)",
        type: "url",
        hint: "Only for S3-compatible storage other than AWS",
      },
    ],
  },
  {
    provider: "google_drive",
    name: "Google Drive",
    fields: [
      { name: "clientId", label: "OAuth client ID", required: true },
      { name: "clientSecret", label: "OAuth client secret", secret: true },
      { name: "refreshToken", label: "Refresh token", secret: true },
      { name: "folderId", label: "Folder ID (optional)" },
    ],
  },
  {
    provider: "sharepoint",
    name: "SharePoint",
    fields: [
      {
        name: "tenantId",
        label: "Tenant ID",
        required: true,
        hint: "The Microsoft Entra tenant (a GUID)",
      },
      { name: "clientId", label: "Application (client) ID", required: true },
      { name: "clientSecret", label: "Client secret", secret: true },
      { name: "siteUrl", label: "Site URL", required: true, type: "url" },
      { name: "driveId", label: "Drive ID (optional)" },
    ],
  },
];
