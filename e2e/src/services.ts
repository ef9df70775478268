import { migrate } from "@clment/db";
import type { ServiceDefinition } from "@clment/runtime";
import { contractsService } from "@clment/contracts";
import { creditsService } from "@clment/credits";
import { reviewService } from "@clment/review";
import { settingsService } from "@clment/settings";

/** Every service of a region, in start order. */
export const SERVICES: {
  name: string;
  definition: ServiceDefinition<any>;
  migrate(url: string): Promise<string[]>;
}[] = [settingsService, contractsService, reviewService, creditsService].map((definition) => ({
  name: definition.name,
  definition,
  migrate: (url: string) => migrate(url, definition.schema, definition.migrations),
}));
