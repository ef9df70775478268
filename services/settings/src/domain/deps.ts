import type { Kysely } from "kysely";
import type { CredentialCache } from "../data/credential-cache.js";
import type { DB } from "../data/db.js";
import type { Transactions } from "../data/transaction.js";

/** What the use cases of the settings service work with. */
export interface SettingsDeps {
  db: Kysely<DB>;
  transactions: Transactions;
  credentialCache: CredentialCache;
  /** The region this deployment serves; organizations are created here. */
  region: string;
  /** The public base URL of this region's API, e.g. https://eu.clment.com/v1. */
  publicBaseUrl: string;
}
