// Server state through TanStack Query: one key per thing the API holds; every mutation
// invalidates what it changes (a save: the server and its versions; a run: its executions...).

import { QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { ApiError, api } from "./api";
import type { JsonObject, Server, WorkflowSpec } from "./types";

export const keys = {
  servers: ["servers"] as const,
  server: (id: string) => ["server", id] as const,
  versions: (id: string) => ["server", id, "versions"] as const,
  deployments: (id: string) => ["server", id, "deployments"] as const,
  executions: (id: string, limit: number) => ["server", id, "executions", limit] as const,
  catalog: ["catalog"] as const,
};

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        refetchOnWindowFocus: false,
        // A 4xx answer (not found, a missing or wrong token) is not a hiccup: no retry.
        retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

export const useServers = () => useQuery({ queryKey: keys.servers, queryFn: api.listServers });

export const useServer = (id: string | null) =>
  useQuery({ queryKey: keys.server(id ?? ""), queryFn: () => api.getServer(id ?? ""), enabled: id !== null });

export const useCatalog = () => useQuery({ queryKey: keys.catalog, queryFn: api.catalog, staleTime: Infinity });

export const useVersions = (id: string) => useQuery({ queryKey: keys.versions(id), queryFn: () => api.versions(id) });

export const useDeployments = (id: string | null) =>
  useQuery({ queryKey: keys.deployments(id ?? ""), queryFn: () => api.deployments(id ?? ""), enabled: id !== null });

export const useExecutions = (id: string | null, limit = 20) =>
  useQuery({ queryKey: keys.executions(id ?? "", limit), queryFn: () => api.executions(id ?? "", limit), enabled: id !== null });

/** After anything that changes a server: its record, versions, deployments, runs and the list. */
export function useInvalidateServer() {
  const client = useQueryClient();
  return (id: string, server?: Server) => {
    if (server) client.setQueryData(keys.server(id), server);
    void client.invalidateQueries({ queryKey: ["server", id] });
    void client.invalidateQueries({ queryKey: keys.servers });
  };
}

export function useSaveSpec(id: string | null) {
  const invalidate = useInvalidateServer();
  return useMutation({
    mutationFn: (args: { spec: WorkflowSpec; baseVersion: number; summary?: string }) =>
      api.save(id ?? "", args.spec, args.baseVersion, args.summary),
    onSuccess: (server) => invalidate(server.id, server),
  });
}

export function useCreateServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (from: { prompt: string } | { spec: WorkflowSpec }) =>
      "prompt" in from ? api.createFromPrompt(from.prompt) : api.createFromSpec(from.spec),
    onSuccess: (server) => {
      client.setQueryData(keys.server(server.id), server);
      void client.invalidateQueries({ queryKey: keys.servers });
    },
  });
}

export function useRenameServer() {
  const invalidate = useInvalidateServer();
  return useMutation({
    mutationFn: async ({ server, name }: { server: Server; name: string }) =>
      api.save(server.id, { ...server.spec, name }, server.version, `Renamed to ${name}`),
    onSuccess: (server) => invalidate(server.id, server),
  });
}

export function useDeleteServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.deleteServer(id),
    onSuccess: (_, id) => {
      client.removeQueries({ queryKey: ["server", id] });
      void client.invalidateQueries({ queryKey: keys.servers });
    },
  });
}

export function useRun(id: string | null) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: JsonObject) => api.run(id ?? "", input),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["server", id ?? "", "executions"] }),
  });
}
