// Types of the Orchestrix HTTP API. The answers' shapes come from `api-schema.ts`, generated
// from the app's /openapi.json by scripts/build-dashboard.sh; only what the schema leaves open
// (the spec, step logs, the chat's reply) is written out here.

import type { components } from "./api-schema";

type Schemas = components["schemas"];

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: JsonValue[];
  default?: JsonValue;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  description?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}

export interface ToolSpec {
  id: string;
  type: string;
  config?: JsonObject;
  when?: string;
  description?: string;
}

export interface WorkflowSpec {
  apiVersion?: string;
  name: string;
  description?: string;
  inputSchema?: JsonSchema;
  tools: ToolSpec[];
  executionOrder?: string[];
  tests?: JsonValue[];
  metadata?: JsonObject;
}

export type RuntimeInfo = Schemas["RuntimeOut"];
export type BuildInfo = Schemas["BuildInfo"];
export type VersionInfo = Schemas["VersionSummary"];
export type DeploymentInfo = Schemas["DeploymentOut"];
export type ToolType = Schemas["ToolTypeOut"] & { configSchema: JsonSchema; outputSchema?: JsonSchema | null };
export type SpecProblem = Schemas["SpecProblem"];

/** A server as the API answers it, with its spec typed. */
export type Server = Omit<Schemas["ServerOut"], "spec"> & { spec: WorkflowSpec; build?: BuildInfo | null };

export interface StepLog {
  id: string;
  type: string;
  status: string;
  durationMs?: number;
  input?: JsonValue;
  output?: JsonValue;
  error?: JsonValue;
}

export type RunResult = Omit<Schemas["RunOut"], "logs" | "body" | "headers"> & {
  body: JsonValue;
  headers?: Record<string, string>;
  logs: StepLog[];
};

export type ExecutionInfo = Omit<Schemas["ExecutionOut"], "logs" | "body" | "input"> & {
  input: JsonValue;
  body: JsonValue;
  logs: StepLog[];
};

export interface WorkflowDiff {
  addedTools?: string[];
  removedTools?: string[];
  changedTools?: string[];
  addedFields?: string[];
  removedFields?: string[];
  changedFields?: string[];
}

export interface DiffChange {
  kind: string;
  action: "added" | "removed" | "changed" | string;
  name: string;
  detail?: string;
}

export interface SupervisorReply {
  intent: string;
  message: string;
  workflow?: WorkflowSpec;
  diff?: WorkflowDiff & { changes?: DiffChange[] };
  [key: string]: unknown;
}

/** What a deploy answers (200), or what a refused one carries (400 already deployed, 500). */
export interface DeployResult {
  success?: boolean;
  serverId?: string;
  agentId?: string | null;
  endpoint?: string | null;
  dashboardUrl?: string | null;
  deployedAt?: string | null;
  version?: number;
  previousVersion?: number;
  error?: string;
  status?: number;
}

/** POST /mcp/servers/{id}/chat: the reply, the server after it, and what it led to. */
export type ChatOut = Omit<Schemas["ChatOut"], "reply" | "server" | "run" | "next"> & {
  reply: SupervisorReply;
  server?: Server;
  run?: RunResult | null;
  next?: { deployed?: DeployResult; method?: string; path?: string; body?: unknown } | null;
};
