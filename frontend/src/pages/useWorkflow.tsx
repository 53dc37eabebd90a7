// The state and actions of the workflow dashboard: the stored server, the edited draft, the
// chat, runs, the runtime and deployments. Every failure lands in the log panel and a dialog.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { ApiError, api, errorMessage } from "../lib/api";
import { deployLabels } from "../lib/config";
import { handOver, initialChat, messageId, saveChat, type ChatMessage } from "../lib/chat";
import { useLogs } from "../lib/logs";
import { navigate } from "../lib/router";
import { sampleObject, sampleValue } from "../lib/sample";
import { orderedTools } from "../lib/graph";
import { DeployedFacts, ErrorBody } from "./WorkflowDialogs";
import type {
  ChatOut,
  DeployResult,
  JsonObject,
  RunResult,
  Server,
  ToolSpec,
  WorkflowSpec,
} from "../lib/types";

export interface DialogState {
  title: string;
  tone: "success" | "error" | "info";
  body: React.ReactNode;
  kind?: "deployed";
}

export type { ChatMessage };

export function isDeployed(server: Server | null): boolean {
  return Boolean(server?.archestraAgentId);
}

export function useWorkflow(serverId: string | null) {
  const [server, setServer] = useState<Server | null>(null);
  const [draft, setDraft] = useState<WorkflowSpec | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(serverId !== null);
  const [messages, setMessages] = useState<ChatMessage[]>(() =>
    serverId ? initialChat(serverId) : [],
  );
  const [thinking, setThinking] = useState(false);
  const [input, setInput] = useState<JsonObject>({});
  const [running, setRunning] = useState(false);
  const [saving, setSaving] = useState(false);
  const [deploying, setDeploying] = useState(false);
  const [runtimeBusy, setRuntimeBusy] = useState(false);
  const [runtimeStatus, setRuntimeStatus] = useState<string>("stopped");
  const [lastRun, setLastRun] = useState<RunResult | null>(null);
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const [revision, setRevision] = useState(0); // bumps when versions or deployments change
  const logs = useLogs();
  const labels = useMemo(() => deployLabels(), []);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, [serverId]);

  useEffect(() => {
    if (serverId) saveChat(serverId, messages);
  }, [serverId, messages]);

  const say = useCallback((message: Omit<ChatMessage, "id">) => {
    setMessages((prev) => [...prev, { ...message, id: messageId() }]);
  }, []);

  const fail = useCallback(
    (what: string, e: unknown, options: { dialog?: boolean } = { dialog: true }) => {
      const message = errorMessage(e);
      const details = e instanceof ApiError ? e.details : undefined;
      logs.add("error", `${what}: ${message}`, details ?? undefined);
      if (options.dialog) {
        setDialog({ title: what, tone: "error", body: <ErrorBody message={message} details={details} /> });
      }
    },
    [logs],
  );

  const adopt = useCallback((next: Server) => {
    setServer(next);
    setDraft(next.spec);
    if (next.runtime?.status) setRuntimeStatus(next.runtime.status);
    setInput((prev) => mergeInput(prev, next.spec));
    setRevision((r) => r + 1);
  }, []);

  const reload = useCallback(async () => {
    if (!serverId) return null;
    const next = await api.getServer(serverId);
    if (mounted.current) adopt(next);
    return next;
  }, [serverId, adopt]);

  useEffect(() => {
    if (!serverId) return;
    let cancelled = false;
    setLoading(true);
    api
      .getServer(serverId)
      .then((next) => {
        if (cancelled) return;
        adopt(next);
        setLoadError(null);
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        setLoadError(errorMessage(e));
        logs.add("error", `Could not load the server: ${errorMessage(e)}`);
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [serverId, adopt, logs.add]);

  const dirty = useMemo(
    () => Boolean(server && draft && JSON.stringify(server.spec) !== JSON.stringify(draft)),
    [server, draft],
  );

  // --- chat -------------------------------------------------------------------------------

  const sendChat = useCallback(
    async (text: string) => {
      const message = text.trim();
      if (!message || thinking) return;
      const mine: ChatMessage = { id: messageId(), role: "user", text: message };
      setMessages((prev) => [...prev, mine]);
      setThinking(true);
      try {
        if (!serverId) {
          const created = await api.createFromPrompt(message);
          const tools = orderedIds(created.spec);
          const assumptions = created.build?.assumptions ?? [];
          const summary = created.build?.summary ?? `Created ${created.name}.`;
          const chain = tools.join(" → ");
          const reply: ChatMessage = {
            id: messageId(),
            role: "assistant",
            intent: "create",
            // The builder's summary usually names the chain already; say it once.
            text: [
              summary,
              ...(summary.includes(chain) ? [] : [`Tools: ${chain}.`]),
              ...assumptions.map((a) => `Assumed: ${a}`),
            ].join("\n"),
          };
          handOver(created.id, [...messages, mine, reply]);
          navigate(`/servers/${encodeURIComponent(created.id)}`, { replace: true });
          return;
        }
        const out: ChatOut = await api.chat(serverId, message);
        const reply = out.reply;
        say({ role: "assistant", text: reply.message, intent: reply.intent, diff: reply.diff });
        if (out.server) adopt(out.server);
        if (out.version) logs.add("success", `Saved version ${out.version.version}`, out.version);
        if (out.run) {
          setLastRun(out.run);
          logs.addRun(out.run, "Chat run");
        }
        const deployed = out.next?.deployed;
        if (deployed && (deployed.status ?? 200) < 300) {
          await showDeployedRef.current(deployed);
        } else if (deployed) {
          logs.add(deployed.agentId ? "info" : "error", deployed.error ?? "Deploy failed", deployed);
          await reload();
        } else if (out.next?.path?.endsWith("/deploy")) {
          await deployRef.current();
        }
      } catch (e) {
        // The builder's refusals ("I build APIs...") answer in the chat; a failure of the
        // server itself gets the dialog as well.
        say({ role: "assistant", text: errorMessage(e), error: true });
        const serverFault = !(e instanceof ApiError) || e.status === 0 || e.status >= 500;
        fail("Chat", e, { dialog: serverFault });
      } finally {
        if (mounted.current) setThinking(false);
      }
    },
    [serverId, thinking, messages, say, logs, adopt, reload, fail],
  );

  // --- editing ----------------------------------------------------------------------------

  const updateTool = useCallback((toolId: string, next: ToolSpec) => {
    setDraft((prev) =>
      prev
        ? {
            ...prev,
            tools: prev.tools.map((t) => (t.id === toolId ? next : t)),
            executionOrder: prev.executionOrder?.map((id) => (id === toolId ? next.id : id)),
          }
        : prev,
    );
  }, []);

  const discard = useCallback(() => {
    if (server) setDraft(server.spec);
  }, [server]);

  const save = useCallback(async () => {
    if (!serverId || !server || !draft) return;
    setSaving(true);
    try {
      const saved = await api.save(serverId, draft, server.version);
      adopt(saved);
      logs.add("success", `Saved version ${saved.version}`);
    } catch (e) {
      fail("Save failed", e);
    } finally {
      setSaving(false);
    }
  }, [serverId, server, draft, adopt, logs, fail]);

  // --- runtime and runs -------------------------------------------------------------------

  const toggleRuntime = useCallback(async () => {
    if (!serverId) return;
    const starting = runtimeStatus !== "running";
    setRuntimeBusy(true);
    try {
      const info = starting ? await api.startRuntime(serverId) : await api.stopRuntime(serverId);
      setRuntimeStatus(info.status ?? (starting ? "running" : "stopped"));
      logs.add("info", starting ? "Runtime started" : "Runtime stopped", info);
    } catch (e) {
      fail(starting ? "Could not start the runtime" : "Could not stop the runtime", e);
    } finally {
      setRuntimeBusy(false);
    }
  }, [serverId, runtimeStatus, logs, fail]);

  const run = useCallback(async () => {
    if (!serverId) return;
    setRunning(true);
    logs.add("info", "Run started", { input });
    try {
      const result = await api.run(serverId, input);
      setLastRun(result);
      logs.addRun(result);
      setRevision((r) => r + 1);
    } catch (e) {
      fail("Run failed", e);
    } finally {
      setRunning(false);
    }
  }, [serverId, input, logs, fail]);

  // --- deployments ------------------------------------------------------------------------

  const showDeployed = useCallback(
    async (result: DeployResult) => {
      await reload();
      const copied = result.endpoint ? await copy(result.endpoint) : false;
      logs.add("success", `${labels.banner}: agent ${result.agentId}`, result);
      setDialog({
        title: labels.banner,
        tone: "success",
        kind: "deployed",
        body: <DeployedFacts agentId={result.agentId} endpoint={result.endpoint} copied={copied} />,
      });
    },
    [reload, logs, labels],
  );

  const deploy = useCallback(async () => {
    if (!serverId) return;
    setDeploying(true);
    logs.add("info", `Deploying ${server?.name ?? serverId}`);
    try {
      await showDeployed(await api.deploy(serverId));
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && typeof e.body.agentId === "string") {
        // Already deployed: the answer carries the deployment, so the page shows it.
        logs.add("info", e.message, e.body);
        await reload().catch(() => null);
      } else {
        fail("Deploy failed", e);
      }
    } finally {
      if (mounted.current) setDeploying(false);
    }
  }, [serverId, server?.name, logs, reload, fail, showDeployed]);

  // The chat's deploy intent calls the latest deploy through a ref (declared after sendChat).
  const deployRef = useRef(deploy);
  deployRef.current = deploy;
  const showDeployedRef = useRef(showDeployed);
  showDeployedRef.current = showDeployed;

  const undeploy = useCallback(async () => {
    if (!serverId) return;
    setDeploying(true);
    try {
      await api.undeploy(serverId);
      await reload();
      logs.add("success", "Undeployed");
    } catch (e) {
      fail("Undeploy failed", e);
    } finally {
      setDeploying(false);
    }
  }, [serverId, reload, logs, fail]);

  const moveDeployment = useCallback(
    async (kind: "redeploy" | "rollback") => {
      if (!serverId) return;
      setDeploying(true);
      try {
        const result = kind === "redeploy" ? await api.redeploy(serverId) : await api.rollback(serverId);
        await reload();
        const moved = result.version ? ` version ${result.version}` : "";
        logs.add("success", `${kind === "redeploy" ? "Redeployed" : "Rolled back to"}${moved}`, result);
      } catch (e) {
        fail(kind === "redeploy" ? "Redeploy failed" : "Rollback failed", e);
      } finally {
        setDeploying(false);
      }
    },
    [serverId, reload, logs, fail],
  );
  const redeploy = useCallback(() => moveDeployment("redeploy"), [moveDeployment]);
  const rollback = useCallback(() => moveDeployment("rollback"), [moveDeployment]);

  const restore = useCallback(
    async (version: number) => {
      if (!serverId) return;
      try {
        adopt(await api.restore(serverId, version, server?.version));
        logs.add("success", `Restored version ${version}`);
      } catch (e) {
        fail("Restore failed", e);
      }
    },
    [serverId, server?.version, adopt, logs, fail],
  );

  const copyEndpoint = useCallback(async () => {
    const endpoint = server?.archestraEndpoint;
    if (!endpoint) return;
    const ok = await copy(endpoint);
    logs.add(ok ? "success" : "info", ok ? "Endpoint copied to the clipboard" : `Endpoint: ${endpoint}`);
  }, [server, logs]);

  const resetInput = useCallback(() => {
    setInput(sampleObject((draft ?? server?.spec)?.inputSchema));
  }, [draft, server]);

  return {
    server,
    draft,
    dirty,
    loading,
    loadError,
    messages,
    thinking,
    input,
    setInput,
    resetInput,
    running,
    saving,
    deploying,
    runtimeBusy,
    runtimeStatus,
    lastRun,
    dialog,
    setDialog,
    revision,
    logs,
    labels,
    sendChat,
    updateTool,
    discard,
    save,
    toggleRuntime,
    run,
    deploy,
    undeploy,
    redeploy,
    rollback,
    restore,
    copyEndpoint,
  };
}

export type Workflow = ReturnType<typeof useWorkflow>;

/** Keep what the user typed; add samples for new fields; drop fields that are gone. */
function mergeInput(prev: JsonObject, spec: WorkflowSpec | undefined): JsonObject {
  const props = spec?.inputSchema?.properties ?? {};
  const next: JsonObject = {};
  for (const [name, schema] of Object.entries(props)) {
    next[name] = name in prev ? (prev[name] ?? null) : sampleValue(name, schema);
  }
  return next;
}

function orderedIds(spec: WorkflowSpec | undefined): string[] {
  return spec ? orderedTools(spec).map((t) => t.id) : [];
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
