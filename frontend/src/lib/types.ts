// Wire types of the Orchestrix HTTP API (docs/api.md). Fields the dashboard does not need are
// left out; optional ones are marked so an older or newer server never breaks the page.

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

export interface RuntimeInfo {
  status: string;
  [key: string]: JsonValue | undefined;
}

export interface Server {
  id: string;
  ownerId: string;
  name: string;
  description?: string;
  version: number;
  spec: WorkflowSpec;
  createdAt?: string;
  updatedAt?: string;
  runtime?: RuntimeInfo;
  archestraAgentId?: string | null;
  archestraEndpoint?: string | null;
  archestraDashboardUrl?: string | null;
  archestraDeployedAt?: string | null;
  deployTarget?: string | null;
  build?: BuildInfo | null;
}

export interface StepLog {
  id: string;
  type: string;
  status: string;
  durationMs?: number;
  input?: JsonValue;
  output?: JsonValue;
  error?: JsonValue;
}

export interface RunResult {
  status: number;
  body: JsonValue;
  headers?: Record<string, string>;
  logs: StepLog[];
  durationMs?: number;
  executionId?: number;
  version?: number;
}

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

/** POST /mcp/servers/{id}/chat: the reply, the server after it, and what it led to. */
export interface ChatOut {
  reply: SupervisorReply;
  server?: Server;
  version?: VersionInfo | null;
  run?: RunResult | null;
  next?: { deployed?: DeployResult & { status?: number }; method?: string; path?: string; body?: unknown } | null;
}

export interface BuildInfo {
  summary: string;
  assumptions?: string[];
  planner?: string;
}

export interface DeployResult {
  success: boolean;
  serverId?: string;
  agentId?: string;
  endpoint?: string;
  dashboardUrl?: string;
  deployedAt?: string;
  version?: number;
  previousVersion?: number;
  error?: string;
}

export interface VersionInfo {
  version: number;
  createdAt?: string;
  author?: string;
  summary?: string | null;
}

export interface DeploymentInfo {
  id: string;
  target: string;
  version: number;
  status: string;
  agentId?: string | null;
  endpoint?: string | null;
  dashboardUrl?: string | null;
  deployedAt?: string | null;
  error?: string | null;
  createdAt?: string | null;
}

export interface ExecutionInfo {
  id: number | string;
  status: number;
  source?: string;
  createdAt?: string;
  durationMs?: number;
  version?: number;
}
