import { useEffect, useState } from "react";

import { CopyIcon, ExternalIcon } from "../components/Icons";
import { Button } from "../components/Button";
import { api } from "../lib/api";
import type { Workflow } from "../pages/useWorkflow";

/** Shown whenever the stored server carries a deployment, so it survives a reload. */
export function DeployBanner({ wf }: { wf: Workflow }) {
  const server = wf.server;
  const served = useServedVersion(wf);
  if (!server?.archestraAgentId) return null;
  const deployedAt = server.archestraDeployedAt ? new Date(server.archestraDeployedAt) : null;
  const behind = served !== null && served < server.version;
  return (
    <section className="banner banner-success" aria-label="Deployment" data-testid="deploy-banner">
      <div className="banner-text">
        <strong>{wf.labels.banner}</strong>
        <span>
          Agent <code>{server.archestraAgentId}</code>
          {served !== null ? <> · serves v{served}</> : null}
          {deployedAt ? <> · {deployedAt.toLocaleString()}</> : null}
        </span>
        {server.archestraEndpoint ? <code className="endpoint">{server.archestraEndpoint}</code> : null}
        {behind ? (
          <span className="banner-note" data-testid="deploy-behind">
            The endpoint still serves v{served}; the current version is v{server.version}.
          </span>
        ) : null}
      </div>
      <div className="banner-actions">
        {behind ? (
          <Button variant="primary" onClick={() => void wf.redeploy()} disabled={wf.deploying}>
            Redeploy v{server.version}
          </Button>
        ) : null}
        <Button onClick={wf.copyEndpoint} icon={<CopyIcon />} disabled={!server.archestraEndpoint}>
          Copy Endpoint
        </Button>
        {server.archestraDashboardUrl ? (
          <a className="btn btn-secondary" href={server.archestraDashboardUrl} target="_blank" rel="noopener noreferrer">
            <ExternalIcon />
            Open Dashboard
          </a>
        ) : null}
      </div>
    </section>
  );
}

/** The version the live deployment serves (from the deployment history), or null. */
function useServedVersion(wf: Workflow): number | null {
  const server = wf.server;
  const id = server?.id;
  const agent = server?.archestraAgentId;
  const key = `${id}:${agent}:${server?.archestraDeployedAt}:${server?.version}:${wf.revision}`;
  const [served, setServed] = useState<{ key: string; version: number | null } | null>(null);
  useEffect(() => {
    if (!id || !agent) return;
    let cancelled = false;
    api
      .deployments(id)
      .then((list) => {
        const live = list.find((d) => d.status === "deployed" && (!d.agentId || d.agentId === agent));
        if (!cancelled) setServed({ key, version: live?.version ?? null });
      })
      .catch(() => {
        if (!cancelled) setServed({ key, version: null });
      });
    return () => {
      cancelled = true;
    };
  }, [id, agent, key]);
  return served?.key === key ? served.version : null;
}
