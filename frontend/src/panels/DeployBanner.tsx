import { CopyIcon, ExternalIcon } from "../components/Icons";
import { Button } from "../components/Button";
import type { Workflow } from "../pages/useWorkflow";

/** Shown whenever the stored server carries a deployment, so it survives a reload. */
export function DeployBanner({ wf }: { wf: Workflow }) {
  const server = wf.server;
  if (!server?.archestraAgentId) return null;
  const deployedAt = server.archestraDeployedAt ? new Date(server.archestraDeployedAt) : null;
  return (
    <section className="banner banner-success" aria-label="Deployment" data-testid="deploy-banner">
      <div className="banner-text">
        <strong>{wf.labels.banner}</strong>
        <span>
          Agent <code>{server.archestraAgentId}</code>
          {deployedAt ? <> · {deployedAt.toLocaleString()}</> : null}
        </span>
        {server.archestraEndpoint ? <code className="endpoint">{server.archestraEndpoint}</code> : null}
      </div>
      <div className="banner-actions">
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
