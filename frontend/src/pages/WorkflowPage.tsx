import { useEffect, useMemo, useState } from "react";

import { Button } from "../components/Button";
import { Dialog } from "../components/Dialog";
import { Spinner } from "../components/Spinner";
import { Tabs } from "../components/Tabs";
import { useActions, type Actions } from "../editor/actions";
import { createEditor, EditorContext, useEditor, useEditorStore } from "../editor/store";
import { errorMessage, needsSignIn } from "../lib/api";
import { initialChat, saveChat } from "../lib/chat";
import { deployLabels, deployTarget } from "../lib/config";
import { addTool, moveTool, removeTools, updateTool } from "../lib/edit";
import { orderedTools } from "../lib/graph";
import { useCatalog, useDeployments, useExecutions, useServer } from "../lib/queries";
import { onLinkClick } from "../lib/router";
import { problemsByField } from "../lib/schema";
import { scopeAt } from "../lib/scope";
import { useTitle } from "../lib/title";
import type { Server, WorkflowSpec } from "../lib/types";
import { ApiModel } from "../panels/ApiModel";
import { Canvas } from "../panels/Canvas";
import { ChatPanel } from "../panels/ChatPanel";
import { ControlBar } from "../panels/ControlBar";
import { DeployBanner } from "../panels/DeployBanner";
import { InputForm } from "../panels/InputForm";
import { Inspector } from "../panels/Inspector";
import { LogsPanel } from "../panels/LogsPanel";
import { Palette } from "../panels/Palette";
import { VersionsPanel } from "../panels/VersionsPanel";
import { SignIn } from "./SignIn";
import { DeployedFacts, ErrorBody } from "./WorkflowDialogs";

/** The workflow editor: chat and palette, canvas, inspector and input, logs, versions. */
export function WorkflowPage({ serverId }: { serverId: string | null }) {
  const store = useMemo(() => createEditor(serverId, serverId ? initialChat(serverId) : []), [serverId]);
  return (
    <EditorContext.Provider value={store}>
      <Workflow serverId={serverId} />
    </EditorContext.Provider>
  );
}

function Workflow({ serverId }: { serverId: string | null }) {
  const store = useEditorStore();
  const actions = useActions(store);
  const serverQ = useServer(serverId);
  const server = serverQ.data;
  const catalogQ = useCatalog();
  const labels = useMemo(() => deployLabels(), []);
  const [left, setLeft] = useState("chat");
  const [bottom, setBottom] = useState("logs");
  useTitle(server?.name ?? (serverId ? "" : "New workflow"));

  useEffect(() => {
    if (server) actions.adopt(server);
  }, [server, actions]);

  const messages = useEditor((s) => s.messages);
  const thinking = useEditor((s) => s.thinking);
  const deploying = useEditor((s) => Boolean(s.busy.deploy));
  useEffect(() => {
    if (serverId) saveChat(serverId, messages);
  }, [serverId, messages]);

  const spec = useEditor((s) => s.history.present);
  useEffect(() => {
    if (!spec) return;
    const timer = setTimeout(() => void actions.check(spec), 350);
    return () => clearTimeout(timer);
  }, [spec, actions]);

  useUndoKeys(actions);

  if (serverId && serverQ.error && !server) {
    if (needsSignIn(serverQ.error)) return <SignIn reason={errorMessage(serverQ.error)} />;
    return (
      <main className="page-error" role="alert">
        <h1>Could not open this workflow</h1>
        <p>{errorMessage(serverQ.error)}</p>
        <p>
          <a href="/" onClick={(e) => onLinkClick(e, "/")}>
            Back to the servers
          </a>
        </p>
      </main>
    );
  }

  const dirty = Boolean(server && spec && JSON.stringify(server.spec) !== JSON.stringify(spec));
  return (
    <div className="workflow-page">
      <TopBar server={server} serverId={serverId} dirty={dirty} loading={serverQ.isLoading} spec={spec} actions={actions} labels={labels} />
      <Banner server={server} actions={actions} labels={labels} />
      <div className="workspace">
        <aside className="panel left" aria-label="Chat and tools">
          <Tabs
            label="Build"
            active={left}
            onChange={setLeft}
            tabs={[
              { id: "chat", label: "Chat" },
              { id: "tools", label: "Tools" },
            ]}
          >
            {left === "chat" ? (
              <ChatPanel messages={messages} thinking={thinking} hasServer={Boolean(server)} onSend={(t) => void actions.sendChat(t)} />
            ) : (
              <Palette
                catalog={catalogQ.data}
                error={catalogQ.error}
                onAdd={(type) => {
                  const current = store.get().history.present;
                  if (!current) return;
                  const { spec: next, id } = addTool(current, type, insertIndex(current));
                  actions.edit(next);
                  actions.select(id);
                }}
              />
            )}
          </Tabs>
        </aside>
        <CanvasArea serverId={serverId} actions={actions} />
        <SidePanel server={server} actions={actions} />
      </div>
      <section className="panel bottom" aria-label="Logs, versions and deployments">
        <Tabs
          label="Workflow details"
          active={bottom}
          onChange={setBottom}
          tabs={[
            { id: "logs", label: "Execution logs" },
            { id: "versions", label: "Versions & deployments" },
          ]}
        >
          {bottom === "logs" || !server ? (
            <Logs serverId={server ? server.id : null} actions={actions} />
          ) : (
            <VersionsPanel
              server={server}
              deploying={deploying}
              onRestore={(v) => void actions.restore(v)}
              onRedeploy={() => void actions.moveDeployment("redeploy")}
              onRollback={() => void actions.moveDeployment("rollback")}
              onUndeploy={() => void actions.moveDeployment("undeploy")}
            />
          )}
        </Tabs>
      </section>
      <Dialogs server={server} actions={actions} labels={labels} />
    </div>
  );
}

/** A tool added from the palette runs before the final `response` (or last, when none). */
function insertIndex(spec: WorkflowSpec): number {
  const tools = orderedTools(spec);
  const last = tools.at(-1);
  return last && last.type === "response" && !last.when ? tools.length - 1 : tools.length;
}

function useUndoKeys(actions: Actions) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
      if (!(e.ctrlKey || e.metaKey)) return;
      const k = e.key.toLowerCase();
      if (k === "z" && !e.shiftKey) actions.undo();
      else if ((k === "z" && e.shiftKey) || k === "y") actions.redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [actions]);
}

function TopBar({ server, serverId, dirty, loading, spec, actions, labels }: { server: Server | undefined; serverId: string | null; dirty: boolean; loading: boolean; spec: WorkflowSpec | null; actions: Actions; labels: ReturnType<typeof deployLabels> }) {
  const runtimeStatus = useEditor((s) => s.runtimeStatus);
  const busy = useEditor((s) => s.busy);
  const title = server?.name ?? (serverId ? "Loading…" : "New workflow");
  return (
    <header className="topbar">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href="/" onClick={(e) => onLinkClick(e, "/")}>
          Orchestrix
        </a>
        <span aria-hidden="true">/</span>
        {!serverId && spec ? (
          <>
            <h1 className="visually-hidden">New workflow</h1>
            <input className="name-input" aria-label="Name" value={spec.name} onChange={(e) => actions.edit({ ...spec, name: e.target.value }, "name")} />
          </>
        ) : (
          <h1>{title}</h1>
        )}
        {server ? <span className="badge">v{server.version}</span> : null}
        {server ? (
          <span className={`pill runtime-${runtimeStatus}`} aria-label={`Runtime ${runtimeStatus}`}>
            runtime {runtimeStatus}
          </span>
        ) : null}
        {dirty ? (
          <span className="pill pill-warn">
            unsaved changes{" "}
            <button type="button" className="link-button" onClick={actions.discard}>
              discard
            </button>
          </span>
        ) : null}
        {loading ? <Spinner label="Loading" /> : null}
      </nav>
      <ControlBar
        hasServer={Boolean(server)}
        hasTools={(spec?.tools.length ?? 0) > 0}
        dirty={dirty}
        deployed={Boolean(server?.archestraAgentId)}
        runtimeStatus={runtimeStatus}
        busy={busy}
        labels={labels}
        onToggleRuntime={() => void actions.toggleRuntime()}
        onSave={() => void actions.save()}
        onDeploy={() => void actions.deploy()}
        onRun={() => void actions.run()}
      />
    </header>
  );
}

function Banner({ server, actions, labels }: { server: Server | undefined; actions: Actions; labels: ReturnType<typeof deployLabels> }) {
  const deploying = useEditor((s) => Boolean(s.busy.deploy));
  const deployments = useDeployments(server?.archestraAgentId ? server.id : null).data;
  const live = deployments?.find((d) => d.status === "deployed" && (!d.agentId || d.agentId === server?.archestraAgentId));
  return (
    <DeployBanner
      server={server}
      labels={labels}
      local={deployTarget() === "local"}
      served={live?.version ?? null}
      deploying={deploying}
      onRedeploy={() => void actions.moveDeployment("redeploy")}
      onCopy={() => void actions.copyEndpoint()}
    />
  );
}

function CanvasArea({ serverId, actions }: { serverId: string | null; actions: Actions }) {
  const spec = useEditor((s) => s.history.present);
  const canUndo = useEditor((s) => s.history.past.length > 0);
  const canRedo = useEditor((s) => s.history.future.length > 0);
  const selected = useEditor((s) => s.selected);
  const lastRun = useEditor((s) => s.lastRun);
  const problems = useEditor((s) => s.problems);
  const catalog = useCatalog().data;
  return (
    <Canvas
      spec={spec}
      catalog={catalog}
      lastRun={lastRun}
      problems={problems}
      selected={selected}
      canUndo={canUndo}
      canRedo={canRedo}
      placeholder={serverId ? "This workflow has no tools yet: add some from the Tools tab." : "Describe your API in the chat, or drag tools from the Tools tab."}
      onSelect={actions.select}
      onEdit={actions.edit}
      onUndo={actions.undo}
      onRedo={actions.redo}
    />
  );
}

function SidePanel({ server, actions }: { server: Server | undefined; actions: Actions }) {
  const spec = useEditor((s) => s.history.present);
  const selected = useEditor((s) => s.selected);
  const lastRun = useEditor((s) => s.lastRun);
  const runInput = useEditor((s) => s.runInput);
  const input = useEditor((s) => s.input);
  const problems = useEditor((s) => s.problems);
  const running = useEditor((s) => Boolean(s.busy.run));
  const runtimeStatus = useEditor((s) => s.runtimeStatus);
  const catalog = useCatalog().data;
  const tools = spec ? orderedTools(spec) : [];
  const index = tools.findIndex((t) => t.id === selected);
  const tool = index >= 0 ? tools[index] : undefined;
  const specIndex = spec && tool ? spec.tools.findIndex((t) => t.id === tool.id) : -1;
  return (
    <aside className="panel side" aria-label="Inspector and input">
      {server && runtimeStatus === "running" ? <RuntimeUrls server={server} /> : null}
      {spec && tool ? (
        <Inspector
          key={tool.id}
          tool={tool}
          spec={spec}
          index={index}
          total={tools.length}
          type={catalog?.find((t) => t.type === tool.type)}
          scope={scopeAt(spec, tool.id, catalog ?? [])}
          problems={problemsByField(problems, tool.id, specIndex)}
          step={lastRun?.logs.find((l) => l.id === tool.id)}
          onChange={(next, key) => {
            actions.edit(updateTool(spec, tool.id, next), key);
            if (next.id !== tool.id) actions.select(next.id);
          }}
          onSpecChange={(next, key) => actions.edit(next, key)}
          onMove={(to) => actions.edit(moveTool(spec, tool.id, to))}
          onDelete={() => {
            actions.edit(removeTools(spec, [tool.id]));
            actions.select(null);
          }}
          onClose={() => actions.select(null)}
        />
      ) : (
        <>
          <section className="panel-section inspector" aria-label="Inspector">
            <h2>Inspector</h2>
            <p className="muted">Select a tool on the canvas to see and edit its settings and what it did in the last run.</p>
            {problems.length ? (
              <ul className="problems" aria-label="Problems of the draft">
                {problems.slice(0, 8).map((p, i) => (
                  <li key={i}>
                    {p.toolId ? <code>{p.toolId}</code> : null}
                    <span>{p.message}</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
          <ApiModel model={spec?.metadata?.apiModel} />
        </>
      )}
      <InputForm
        schema={spec?.inputSchema}
        value={input}
        onChange={actions.setInput}
        onReset={actions.resetInput}
        onRun={() => void actions.run()}
        disabled={!server || running}
        lastRun={lastRun}
        runInput={runInput}
      />
    </aside>
  );
}

/** Where the started runtime answers, in full, ready to copy. */
function RuntimeUrls({ server }: { server: Server }) {
  const origin = window.location.origin;
  const rest = server.runtime?.restEndpoint ?? `/runtime/${server.id}`;
  const mcp = server.runtime?.mcpEndpoint ?? `/runtime/${server.id}/mcp`;
  return (
    <section className="panel-section runtime-urls" aria-label="Runtime URLs">
      <h2>Local runtime</h2>
      <dl className="facts">
        <dt>REST</dt>
        <dd>
          <code data-testid="runtime-rest-url">POST {origin + rest}</code>
        </dd>
        <dt>MCP</dt>
        <dd>
          <code>{origin + mcp}</code>
        </dd>
      </dl>
    </section>
  );
}

function Logs({ serverId, actions }: { serverId: string | null; actions: Actions }) {
  const entries = useEditor((s) => s.logs);
  const executions = useExecutions(serverId, 20).data ?? [];
  const lastRun = useEditor((s) => s.lastRun);
  useEffect(() => {
    // After a reload, the canvas and the inspector show the latest stored run.
    const latest = executions[0];
    if (!lastRun && latest) actions.showRun({ ...latest, headers: {}, executionId: latest.id });
  }, [executions, lastRun, actions]);
  return (
    <LogsPanel
      entries={entries}
      executions={executions}
      onShowRun={(x) => actions.showRun({ ...x, headers: {}, executionId: x.id })}
    />
  );
}

function Dialogs({ server, actions, labels }: { server: Server | undefined; actions: Actions; labels: ReturnType<typeof deployLabels> }) {
  const dialog = useEditor((s) => s.dialog);
  let title = "";
  let tone: "success" | "error" | "info" = "info";
  let body: React.ReactNode = null;
  let extra: React.ReactNode = null;
  if (dialog?.kind === "error") {
    title = dialog.title;
    tone = "error";
    body = <ErrorBody message={dialog.message} details={dialog.details} />;
  } else if (dialog?.kind === "deployed") {
    title = labels.banner;
    tone = "success";
    body = <DeployedFacts agentId={dialog.result.agentId ?? undefined} endpoint={dialog.result.endpoint ?? undefined} copied={dialog.copied} />;
    const url = server?.archestraDashboardUrl ?? dialog.result.dashboardUrl;
    if (!dialog.local && url && url !== (server?.archestraEndpoint ?? dialog.result.endpoint)) {
      extra = <Button onClick={() => window.open(url, "_blank", "noopener")}>Open Dashboard</Button>;
    }
  }
  return (
    <Dialog open={dialog !== null} title={title} tone={tone} onClose={actions.closeDialog} actions={extra}>
      {body}
    </Dialog>
  );
}
