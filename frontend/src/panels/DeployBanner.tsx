import { CopyIcon, ExternalIcon } from "../components/Icons";
import { Button } from "../components/Button";
import type { DeployLabels } from "../lib/config";
import type { Server } from "../lib/types";

interface Props {
  server: Server | undefined;
  labels: DeployLabels;
  local: boolean;
  /** The version the live deployment serves (from the deployment history), or null. */
  served: number | null;
  deploying: boolean;
  onRedeploy: () => void;
  onCopy: () => void;
}

/** Shown whenever the stored server carries a deployment, so it survives a reload. */
export function DeployBanner({ server, labels, local, served, deploying, onRedeploy, onCopy }: Props) {
  if (!server?.archestraAgentId) return null;
  const deployedAt = server.archestraDeployedAt ? new Date(server.archestraDeployedAt) : null;
  const behind = served !== null && served < server.version;
  // A local deploy has no dashboard of its own: its "dashboard" is the agent's JSON description.
  const dashboard = !local && server.archestraDashboardUrl && server.archestraDashboardUrl !== server.archestraEndpoint ? server.archestraDashboardUrl : null;
  return (
    <section className="banner banner-success" aria-label="Deployment" data-testid="deploy-banner">
      <div className="banner-text">
        <strong>{labels.banner}</strong>
        <span>
          Agent <code>{server.archestraAgentId}</code>
          {served !== null ? <> · serves v{served}</> : null}
          {deployedAt ? <> · {deployedAt.toLocaleString()}</> : null}
        </span>
        {server.archestraEndpoint ? <code className="endpoint">POST {server.archestraEndpoint}</code> : null}
        {behind ? (
          <span className="banner-note" data-testid="deploy-behind">
            The endpoint still serves v{served}; the current version is v{server.version}.
          </span>
        ) : null}
      </div>
      <div className="banner-actions">
        {behind ? (
          <Button variant="primary" onClick={onRedeploy} disabled={deploying}>
            Redeploy v{server.version}
          </Button>
        ) : null}
        <Button onClick={onCopy} icon={<CopyIcon />} disabled={!server.archestraEndpoint}>
          Copy Endpoint
        </Button>
        {dashboard ? (
          <a className="btn btn-secondary" href={dashboard} target="_blank" rel="noopener noreferrer">
            <ExternalIcon />
            Open Dashboard
          </a>
        ) : null}
      </div>
    </section>
  );
}
