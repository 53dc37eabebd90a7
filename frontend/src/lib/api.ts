// A small typed client of the Orchestrix HTTP API. Every error answer is `{error, details}`;
// it becomes an ApiError carrying the server's own message, so the page can show it as is.

import { authMode, getToken } from "./auth";
import { getOwnerId } from "./owner";
import type {
  ChatOut,
  DeployResult,
  DeploymentInfo,
  ExecutionInfo,
  JsonObject,
  SpecProblem,
  ToolType,
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
  // Local mode: ownerId goes in the query of every request and in the body of every write (the
  // API reads it from wherever its route declares it). Token mode: the token says who calls.
  const tokens = authMode() === "tokens";
  const owner = tokens ? null : getOwnerId();
  const token = tokens ? getToken() : null;
  const url = owner ? withOwner(path, owner) : path;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (method !== "GET" && method !== "DELETE") {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify({ ...(owner ? { ownerId: owner } : {}), ...(body as object | undefined) });
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
  createFromSpec: (spec: WorkflowSpec) => request<Server>("POST", "/mcp/servers", { spec }),
  save: (id: string, spec: WorkflowSpec, baseVersion: number, summary?: string) =>
    request<Server>("PUT", server(id), { spec, baseVersion, summary }),
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
  deleteServer: (id: string) => request<null>("DELETE", server(id)),
  catalog: () => request<ToolType[]>("GET", "/mcp/tools"),
  check: async (spec: WorkflowSpec) =>
    (await request<{ problems: SpecProblem[] }>("POST", "/mcp/tools/check", { spec })).problems,
  deployments: async (id: string) =>
    asList<DeploymentInfo>(await request("GET", `${server(id)}/deployments`)),
};

/** True for the answers that mean "sign in": no token, a wrong or revoked one. */
export function needsSignIn(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
