import { contractsOperations } from "@clment/contracts";
import { creditsOperations } from "@clment/credits";
import { buildOpenApiDocument, gatewayOperations, type OperationDoc } from "@clment/openapi";
import { reviewOperations } from "@clment/review";
import { settingsOperations } from "@clment/settings";

/** Where the gateway serves the merged document from (generated, committed, checked by a test). */
export const OPENAPI_FILE = new URL("../../gateway/openapi.json", import.meta.url);

/** Every public operation of a region: the gateway's own and every service's. */
export function allOperations(): OperationDoc[] {
  return [
    ...gatewayOperations(),
    ...settingsOperations(),
    ...contractsOperations(),
    ...reviewOperations(),
    ...creditsOperations(),
  ];
}

/** The merged OpenAPI 3.1 document of the region, as the gateway serves it. */
export function regionOpenApiDocument() {
  return buildOpenApiDocument(allOperations());
}

/** The document as written to gateway/openapi.json. */
export function openApiText(): string {
  return `${JSON.stringify(regionOpenApiDocument(), null, 2)}\n`;
}
