// A small typed client of the Orchestrix HTTP API. Every error answer is `{error, details}`;
// it becomes an ApiError carrying the server's own message, so the page can show it as is.

import { getOwnerId } from "./owner";
import type {
  ChatOut,
  DeployResult,
  DeploymentInfo,
  ExecutionInfo,
  JsonObject,
  RunResult,
  RuntimeInfo,
  Server,
  VersionInfo,
  WorkflowSpec,
} from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly details: unknown;
  readonly body: Record<string, unknown>;

  constructor(status: number, message: string, details: unknown, body: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.details = details;
    this.body = body;
  }
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const owner = getOwnerId();
  // ownerId goes in the query of every request and in the body of every write: the API reads
  // it from wherever its route declares it.
  const url = withOwner(path, owner);
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (method !== "GET") {
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify({ ownerId: owner, ...(body as object | undefined) });
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, `The Orchestrix server is not reachable (${String(e)})`, null, {});
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    const obj = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
    const message =
      typeof obj.error === "string"
        ? obj.error
        : typeof obj.detail === "string"
          ? obj.detail
          : `${method} ${path} answered ${response.status}`;
    throw new ApiError(response.status, message, obj.details ?? obj.detail ?? null, obj);
  }
  return data as T;
}

function withOwner(path: string, owner: string): string {
  const sep = path.includes("?") ? "&" : "?";
  return `${path}${sep}ownerId=${encodeURIComponent(owner)}`;
}

/** Lists come as an array or wrapped in an object ({items: [...]}, {versions: [...]}...). */
function asList<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === "object") {
    for (const value of Object.values(data)) if (Array.isArray(value)) return value as T[];
  }
  return [];
}

const server = (id: string) => `/mcp/servers/${encodeURIComponent(id)}`;

export const api = {
  listServers: async () => asList<Server>(await request("GET", "/mcp/servers")),
  getServer: (id: string) => request<Server>("GET", server(id)),
  createFromPrompt: (prompt: string) => request<Server>("POST", "/mcp/servers", { prompt }),
  save: (id: string, spec: WorkflowSpec, baseVersion: number) =>
    request<Server>("PUT", server(id), { spec, baseVersion }),
  chat: (id: string, message: string) =>
    request<ChatOut>("POST", `${server(id)}/chat`, { message }),
  run: (id: string, input: JsonObject) => request<RunResult>("POST", `${server(id)}/run`, { input }),
  runtime: (id: string) => request<RuntimeInfo>("GET", `${server(id)}/runtime`),
  startRuntime: (id: string) => request<RuntimeInfo>("POST", `${server(id)}/runtime/start`),
  stopRuntime: (id: string) => request<RuntimeInfo>("POST", `${server(id)}/runtime/stop`),
  deploy: (id: string) => request<DeployResult>("POST", `${server(id)}/deploy`),
  redeploy: (id: string) => request<DeployResult>("POST", `${server(id)}/redeploy`),
  rollback: (id: string) => request<DeployResult>("POST", `${server(id)}/rollback`),
  undeploy: (id: string) => request<unknown>("DELETE", `${server(id)}/deploy`),
  versions: async (id: string) => asList<VersionInfo>(await request("GET", `${server(id)}/versions`)),
  restore: (id: string, version: number, baseVersion?: number) =>
    request<Server>("POST", `${server(id)}/versions/${version}/restore`, { baseVersion }),
  executions: async (id: string, limit = 10) =>
    asList<ExecutionInfo>(await request("GET", `${server(id)}/executions?limit=${limit}`)),
  deployments: async (id: string) =>
    asList<DeploymentInfo>(await request("GET", `${server(id)}/deployments`)),
};

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
