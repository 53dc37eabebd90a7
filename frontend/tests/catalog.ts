// A few tool types as GET /mcp/tools answers them (their config schemas are pydantic's).
import type { ToolType } from "../src/lib/types";

export const catalog: ToolType[] = [
  { type: "input", summary: "Exposes the request body (REST body or MCP arguments) as `input`.", readOnly: true, endsRun: false, configSchema: { type: "object", properties: {} } },
  {
    type: "dbInsert",
    summary: "Stores a document in a collection; 409 when a unique field's value is taken.",
    readOnly: false,
    endsRun: false,
    configSchema: {
      type: "object",
      properties: {
        collection: { type: "string", title: "Collection", description: "Collection name, e.g. `users`; created on first use." },
        document: { type: "object", additionalProperties: true, title: "Document", description: "The fields to store." },
        unique: { type: "array", items: { type: "string" }, title: "Unique", description: "Fields whose values must be unique." },
      },
      required: ["collection", "document"],
    },
  },
  {
    type: "rateLimit",
    summary: "Allows `limit` hits per `window` seconds for a key; 429 when over.",
    readOnly: false,
    endsRun: false,
    configSchema: {
      type: "object",
      properties: {
        limit: { type: "integer", minimum: 1, title: "Limit", description: "Hits allowed per window." },
        window: { type: "integer", default: 60, title: "Window" },
        strategy: { type: "string", enum: ["fixed", "sliding"], default: "fixed", title: "Strategy" },
      },
      required: ["limit"],
    },
  },
  {
    type: "response",
    summary: "Ends the run with a status, headers and a body.",
    readOnly: true,
    endsRun: true,
    configSchema: {
      type: "object",
      properties: {
        status: { type: "integer", default: 200, minimum: 100, maximum: 599, title: "Status" },
        body: { default: null, title: "Body", description: "The answer's JSON body." },
      },
    },
  },
];
