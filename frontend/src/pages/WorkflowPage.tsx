import { useCallback, useMemo, useState } from "react";

import { Button } from "../components/Button";
import { Dialog } from "../components/Dialog";
import { Spinner } from "../components/Spinner";
import { Tabs } from "../components/Tabs";
import { onLinkClick } from "../lib/router";
import { useTitle } from "../lib/title";
import { Canvas } from "../panels/Canvas";
import { ChatPanel } from "../panels/ChatPanel";
import { ControlBar } from "../panels/ControlBar";
import { DeployBanner } from "../panels/DeployBanner";
import { InputForm } from "../panels/InputForm";
import { Inspector } from "../panels/Inspector";
import { LogsPanel } from "../panels/LogsPanel";
import { VersionsPanel } from "../panels/VersionsPanel";
import { useWorkflow } from "./useWorkflow";

/** The workflow dashboard: chat, canvas, inspector and input, logs, versions, controls. */
export function WorkflowPage({ serverId }: { serverId: string | null }) {
  const wf = useWorkflow(serverId);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState("logs");
  const spec = wf.draft;
  const tool = useMemo(() => spec?.tools.find((t) => t.id === selected) ?? null, [spec, selected]);
  const closeDialog = useCallback(() => wf.setDialog(null), [wf.setDialog]);
  useTitle(wf.server?.name ?? (serverId ? "" : "New workflow"));

  if (serverId && wf.loadError && !wf.server) {
    return (
      <main className="page-error" role="alert">
        <h1>Could not open this workflow</h1>
        <p>{wf.loadError}</p>
        <p>
          <a href="/" onClick={(e) => onLinkClick(e, "/")}>
            Back to the servers
          </a>
        </p>
      </main>
    );
  }

  const title = wf.server?.name ?? (serverId ? "Loading…" : "New workflow");
  return (
    <div className="workflow-page">
      <header className="topbar">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <a href="/" onClick={(e) => onLinkClick(e, "/")}>
            Orchestrix
          </a>
          <span aria-hidden="true">/</span>
          <h1>{title}</h1>
          {wf.server ? <span className="badge">v{wf.server.version}</span> : null}
          {wf.server ? (
            <span className={`pill runtime-${wf.runtimeStatus}`} aria-label={`Runtime ${wf.runtimeStatus}`}>
              runtime {wf.runtimeStatus}
            </span>
          ) : null}
          {wf.dirty ? (
            <span className="pill pill-warn">
              unsaved changes{" "}
              <button type="button" className="link-button" onClick={wf.discard}>
                discard
              </button>
            </span>
          ) : null}
          {wf.loading ? <Spinner label="Loading" /> : null}
        </nav>
        <ControlBar wf={wf} />
      </header>
      <DeployBanner wf={wf} />
      <div className="workspace">
        <ChatPanel wf={wf} />
        <Canvas
          spec={spec}
          lastRun={wf.lastRun}
          selected={selected}
          onSelect={setSelected}
          placeholder={serverId ? "This workflow has no tools yet." : "Describe your API in the chat: the tool graph appears here."}
        />
        <aside className="panel side" aria-label="Inspector and input">
          <Inspector
            tool={tool}
            onClose={() => setSelected(null)}
            onApply={(next) => {
              if (tool) wf.updateTool(tool.id, next);
            }}
          />
          <InputForm
            schema={spec?.inputSchema}
            value={wf.input}
            onChange={wf.setInput}
            onReset={wf.resetInput}
            onRun={wf.run}
            disabled={!wf.server || wf.running}
            lastRun={wf.lastRun}
          />
        </aside>
      </div>
      <section className="panel bottom" aria-label="Logs, versions and deployments">
        <Tabs
          label="Workflow details"
          active={tab}
          onChange={setTab}
          tabs={[
            { id: "logs", label: `Execution logs${wf.logs.entries.length ? ` (${wf.logs.entries.length})` : ""}` },
            { id: "versions", label: "Versions & deployments" },
          ]}
        >
          {tab === "logs" ? <LogsPanel entries={wf.logs.entries} onClear={wf.logs.clear} /> : <VersionsPanel wf={wf} />}
        </Tabs>
      </section>
      <Dialog
        open={wf.dialog !== null}
        title={wf.dialog?.title ?? ""}
        tone={wf.dialog?.tone}
        onClose={closeDialog}
        actions={
          wf.dialog?.kind === "deployed" && wf.server?.archestraDashboardUrl ? (
            <Button onClick={() => window.open(wf.server?.archestraDashboardUrl ?? "", "_blank", "noopener")}>Open Dashboard</Button>
          ) : null
        }
      >
        {wf.dialog?.body}
      </Dialog>
    </div>
  );
}
