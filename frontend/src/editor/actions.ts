// What the workflow page does: edits of the draft (with undo), save, chat, run, runtime and
// deployments. Each action reads the store when it runs, so its identity never changes and the
// panels that take it never re-render for it.

import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";

import { ApiError, api, errorMessage } from "../lib/api";
import { handOver, messageId, type ChatMessage } from "../lib/chat";
import { deployTarget } from "../lib/config";
import { specDiff } from "../lib/diff";
import { orderedTools } from "../lib/graph";
import { edit, redo, reset, undo } from "../lib/history";
import { keys } from "../lib/queries";
import { navigate } from "../lib/router";
import { sampleObject, sampleValue } from "../lib/sample";
import type { DeployResult, JsonObject, RunResult, Server, WorkflowSpec } from "../lib/types";
import { log, type EditorStore } from "./store";

export type Actions = ReturnType<typeof makeActions>;

export function useActions(store: EditorStore): Actions {
  const client = useQueryClient();
  return useMemo(() => makeActions(store, client), [store, client]);
}

function makeActions(store: EditorStore, client: ReturnType<typeof useQueryClient>) {
  const get = store.get;
  const server = (): Server | undefined => {
    const id = get().serverId;
    return id ? client.getQueryData<Server>(keys.server(id)) : undefined;
  };
  const changed = (next: Server) => {
    client.setQueryData(keys.server(next.id), next);
    void client.invalidateQueries({ queryKey: ["server", next.id] });
    void client.invalidateQueries({ queryKey: keys.servers });
  };
  const say = (message: Omit<ChatMessage, "id">) =>
    store.set((s) => ({ messages: [...s.messages, { ...message, id: messageId() }] }));
  const busy = (what: keyof ReturnType<typeof get>["busy"], on: boolean) =>
    store.set((s) => ({ busy: { ...s.busy, [what]: on } }));
  const fail = (title: string, e: unknown, dialog = true) => {
    const message = errorMessage(e);
    const details = e instanceof ApiError ? e.details : undefined;
    log(store, "error", `${title}: ${message}`, details ?? undefined);
    if (dialog) store.set({ dialog: { kind: "error", title, message, details } });
  };
  const recordRun = (result: RunResult, label: string, input: JsonObject | null) => {
    store.set({ lastRun: result, runInput: input });
    logRun(store, result, label);
    const id = get().serverId;
    if (id) void client.invalidateQueries({ queryKey: ["server", id, "executions"] });
  };

  const actions = {
    /** A server from the API: the draft starts again from its spec (unless it is the same). */
    adopt(next: Server) {
      const s = get();
      if (s.baseVersion === next.version && s.history.present) return;
      store.set({
        baseVersion: next.version,
        history: reset(next.spec),
        runtimeStatus: next.runtime?.status ?? s.runtimeStatus,
        input: mergeInput(s.input, next.spec),
      });
    },
    edit(next: WorkflowSpec, mergeKey: string | null = null) {
      store.set((s) => ({ history: edit(s.history, next, mergeKey) }));
    },
    undo: () => store.set((s) => ({ history: undo(s.history) })),
    redo: () => store.set((s) => ({ history: redo(s.history) })),
    discard() {
      const current = server();
      if (current) store.set({ history: reset(current.spec) });
    },
    /** A stored run, shown on the canvas and in the inspector as if it had just run. */
    showRun(run: RunResult) {
      store.set({ lastRun: run, runInput: null });
    },
    select: (toolId: string | null) => {
      if (get().selected !== toolId) store.set({ selected: toolId });
    },
    setInput: (input: JsonObject) => store.set({ input }),
    resetInput() {
      // A fresh sample has no problems yet: the last run's field errors go with the old values.
      // (InputForm shows a field's problem only while its value is the one the run was given.)
      store.set({ input: sampleObject(get().history.present?.inputSchema) });
    },
    closeDialog: () => store.set({ dialog: null }),

    async check(spec: WorkflowSpec) {
      try {
        const problems = await api.check(spec);
        if (get().history.present === spec) store.set({ problems });
      } catch {
        // The checks are a hint while editing; a save reports what the server refuses.
      }
    },

    async save() {
      const spec = get().history.present;
      if (!spec) return;
      const current = server();
      busy("save", true);
      try {
        if (!current) {
          const created = await api.createFromSpec(spec);
          client.setQueryData(keys.server(created.id), created);
          void client.invalidateQueries({ queryKey: keys.servers });
          const reply: ChatMessage = { id: messageId(), role: "assistant", intent: "create", text: `Created ${created.name} (version ${created.version}) from the canvas.` };
          handOver(created.id, [...get().messages, reply]);
          navigate(`/servers/${encodeURIComponent(created.id)}`, { replace: true });
          return;
        }
        const changes = specDiff(current.spec, spec);
        const summary = changes.length ? `Edited on the canvas: ${changes.map((c) => `${c.action} ${c.kind} ${c.name}`).join("; ")}`.slice(0, 480) : "Saved an edited spec";
        const saved = await api.save(current.id, spec, current.version, summary);
        changed(saved);
        actions.adopt(saved);
        log(store, "success", `Saved version ${saved.version}`, { changes });
        say({ role: "assistant", intent: "save", text: `Saved version ${saved.version}.`, diff: { changes } });
      } catch (e) {
        fail("Save failed", e);
      } finally {
        busy("save", false);
      }
    },

    async sendChat(text: string) {
      const message = text.trim();
      if (!message || get().thinking) return;
      const mine: ChatMessage = { id: messageId(), role: "user", text: message };
      store.set((s) => ({ messages: [...s.messages, mine], thinking: true }));
      try {
        const id = get().serverId;
        if (!id) {
          const created = await api.createFromPrompt(message);
          client.setQueryData(keys.server(created.id), created);
          void client.invalidateQueries({ queryKey: keys.servers });
          const tools = orderedTools(created.spec).map((t) => t.id);
          const summary = created.build?.summary ?? `Created ${created.name}.`;
          const chain = tools.join(" → ");
          const reply: ChatMessage = {
            id: messageId(),
            role: "assistant",
            intent: "create",
            text: [summary, ...(summary.includes(chain) ? [] : [`Tools: ${chain}.`]), ...(created.build?.assumptions ?? []).map((a) => `Assumed: ${a}`)].join("\n"),
          };
          handOver(created.id, [...get().messages, reply]);
          navigate(`/servers/${encodeURIComponent(created.id)}`, { replace: true });
          return;
        }
        const out = await api.chat(id, message);
        const reply = out.reply;
        say({ role: "assistant", text: reply.message, intent: reply.intent, diff: reply.diff });
        if (out.server) {
          changed(out.server);
          actions.adopt(out.server);
        }
        if (out.version) log(store, "success", `Saved version ${out.version.version}`, out.version);
        if (out.run) {
          recordRun(out.run, "Chat run", null);
          say({ role: "assistant", intent: "run", text: runAnswer(out.run), run: { status: out.run.status, body: out.run.body } });
        }
        const deployed = out.next?.deployed;
        if (deployed) {
          await actions.deployed(deployed, (deployed.status ?? 200) < 300, true);
        } else if (out.next?.path?.endsWith("/deploy")) {
          await actions.deploy(true);
        }
      } catch (e) {
        say({ role: "assistant", text: errorMessage(e), error: true });
        const serverFault = !(e instanceof ApiError) || e.status === 0 || e.status >= 500;
        fail("Chat", e, serverFault);
      } finally {
        store.set({ thinking: false });
      }
    },

    async run() {
      const id = get().serverId;
      if (!id) return;
      busy("run", true);
      const input = get().input;
      log(store, "info", "Run started", { input });
      try {
        recordRun(await api.run(id, input), "Run", input);
      } catch (e) {
        fail("Run failed", e);
      } finally {
        busy("run", false);
      }
    },

    async toggleRuntime() {
      const id = get().serverId;
      if (!id) return;
      const starting = get().runtimeStatus !== "running";
      busy("runtime", true);
      try {
        const info = starting ? await api.startRuntime(id) : await api.stopRuntime(id);
        store.set({ runtimeStatus: info.status ?? (starting ? "running" : "stopped") });
        log(store, "info", starting ? "Runtime started" : "Runtime stopped", info);
      } catch (e) {
        fail(starting ? "Could not start the runtime" : "Could not stop the runtime", e);
      } finally {
        busy("runtime", false);
      }
    },

    /** What a deploy led to, said in the log, the chat (when it came from there) and a dialog. */
    async deployed(result: DeployResult, ok: boolean, fromChat: boolean) {
      const id = get().serverId;
      if (id) {
        const fresh = await api.getServer(id).catch(() => null);
        if (fresh) changed(fresh);
      }
      if (!ok) {
        const message = result.error ?? "Deploy failed";
        log(store, result.agentId ? "info" : "error", message, result);
        if (fromChat) say({ role: "assistant", intent: "deploy", text: result.agentId ? `${message}: agent ${result.agentId}, ${result.endpoint ?? ""}` : message, error: !result.agentId });
        return;
      }
      const copied = result.endpoint ? await copy(result.endpoint) : false;
      const local = deployTarget() === "local";
      log(store, "success", `Deployed: agent ${result.agentId}`, result);
      if (fromChat) say({ role: "assistant", intent: "deploy", text: `Deployed: agent ${result.agentId}, endpoint ${result.endpoint ?? "—"}.` });
      store.set({ dialog: { kind: "deployed", title: "", result, copied, local } });
    },

    async deploy(fromChat = false) {
      const id = get().serverId;
      if (!id) return;
      busy("deploy", true);
      log(store, "info", `Deploying ${server()?.name ?? id}`);
      try {
        await actions.deployed(await api.deploy(id), true, fromChat);
      } catch (e) {
        if (e instanceof ApiError && e.status === 400 && typeof e.body.agentId === "string") {
          await actions.deployed(e.body as DeployResult, false, fromChat);
        } else {
          if (fromChat) say({ role: "assistant", intent: "deploy", text: `Deploy failed: ${errorMessage(e)}`, error: true });
          fail("Deploy failed", e);
        }
      } finally {
        busy("deploy", false);
      }
    },

    async moveDeployment(kind: "redeploy" | "rollback" | "undeploy") {
      const id = get().serverId;
      if (!id) return;
      busy("deploy", true);
      try {
        const result = kind === "redeploy" ? await api.redeploy(id) : kind === "rollback" ? await api.rollback(id) : await api.undeploy(id);
        const fresh = await api.getServer(id);
        changed(fresh);
        const moved = result && typeof result === "object" && "version" in result && result.version ? ` version ${String(result.version)}` : "";
        log(store, "success", kind === "undeploy" ? "Undeployed" : `${kind === "redeploy" ? "Redeployed" : "Rolled back to"}${moved}`, result);
      } catch (e) {
        fail(kind === "redeploy" ? "Redeploy failed" : kind === "rollback" ? "Rollback failed" : "Undeploy failed", e);
      } finally {
        busy("deploy", false);
      }
    },

    async restore(version: number) {
      const current = server();
      if (!current) return;
      try {
        const restored = await api.restore(current.id, version, current.version);
        changed(restored);
        actions.adopt(restored);
        log(store, "success", `Restored version ${version}`);
      } catch (e) {
        fail("Restore failed", e);
      }
    },

    async copyEndpoint() {
      const endpoint = server()?.archestraEndpoint;
      if (!endpoint) return;
      const ok = await copy(endpoint);
      log(store, ok ? "success" : "info", ok ? "Endpoint copied to the clipboard" : `Endpoint: ${endpoint}`);
    },
  };
  return actions;
}

/** "Answered 201: {...}" — a run's outcome in the chat's words. */
export function runAnswer(run: RunResult): string {
  const body = JSON.stringify(run.body);
  return `Ran it: answered ${run.status}${body && body !== "null" ? ` with ${body.length > 300 ? `${body.slice(0, 300)}…` : body}` : ""}.`;
}

export function logRun(store: EditorStore, result: RunResult, label: string): void {
  const ok = result.status < 400;
  log(store, ok ? "success" : "error", `${label} finished with status ${result.status}${result.durationMs !== undefined ? ` in ${ms(result.durationMs)}` : ""}${ok ? "" : errorOf(result.body)}`, { status: result.status, body: result.body, executionId: result.executionId });
  for (const step of result.logs ?? []) {
    const failed = step.status === "error" || step.status === "failed";
    log(store, failed ? "error" : step.status === "skipped" ? "info" : "success", `Step ${step.id} (${step.type}) ${step.status}${step.durationMs !== undefined ? ` in ${ms(step.durationMs)}` : ""}`, { input: step.input, output: step.output, ...(step.error ? { error: step.error } : {}) });
  }
}

function errorOf(body: unknown): string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "";
  const { error, details } = body as { error?: unknown; details?: unknown };
  if (typeof error !== "string") return "";
  const n = Array.isArray(details) ? details.length : 0;
  return `: ${error}${n > 1 ? ` (${n} problems)` : n === 1 ? " (1 problem)" : ""}`;
}

export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

/** Keep what the user typed; add samples for new fields; drop fields that are gone. */
function mergeInput(prev: JsonObject, spec: WorkflowSpec | undefined): JsonObject {
  const props = spec?.inputSchema?.properties ?? {};
  const next: JsonObject = {};
  for (const [name, schema] of Object.entries(props)) {
    next[name] = name in prev ? (prev[name] ?? null) : sampleValue(name, schema);
  }
  return next;
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
