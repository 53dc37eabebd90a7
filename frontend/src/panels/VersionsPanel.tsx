import { Button } from "../components/Button";
import { errorMessage } from "../lib/api";
import { useDeployments, useExecutions, useVersions } from "../lib/queries";
import type { Server } from "../lib/types";

interface Props {
  server: Server;
  deploying: boolean;
  onRestore: (version: number) => void;
  onRedeploy: () => void;
  onRollback: () => void;
  onUndeploy: () => void;
}

/** Versions (restore), the deployment (undeploy, redeploy) and its history, recent runs. */
export function VersionsPanel({ server, deploying, onRestore, onRedeploy, onRollback, onUndeploy }: Props) {
  const versionsQ = useVersions(server.id);
  const versions = [...(versionsQ.data ?? [])].sort((a, b) => b.version - a.version);
  const deployments = useDeployments(server.id).data ?? [];
  const executions = (useExecutions(server.id).data ?? []).slice(0, 10);
  const error = versionsQ.error ? errorMessage(versionsQ.error) : null;
  const deployed = Boolean(server.archestraAgentId);
  return (
    <div className="versions">
      <section aria-labelledby="versions-title">
        <h3 id="versions-title">Versions</h3>
        {error ? <p className="field-error">{error}</p> : null}
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">Summary</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => {
              const current = v.version === server.version;
              return (
                <tr key={v.version}>
                  <td>
                    v{v.version} {current ? <span className="badge">current</span> : null}
                  </td>
                  <td>{v.createdAt ? new Date(v.createdAt).toLocaleString() : "—"}</td>
                  <td>
                    {v.summary ?? "—"}
                    {v.author ? <span className="muted"> · {v.author}</span> : null}
                  </td>
                  <td>
                    <Button className="btn-small" disabled={current} onClick={() => onRestore(v.version)} aria-label={`Restore version ${v.version}`}>
                      Restore
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="deployments-title">
        <h3 id="deployments-title">Deployments</h3>
        {deployed ? (
          <p>
            Agent <code>{server.archestraAgentId}</code> at <code>{server.archestraEndpoint}</code>
          </p>
        ) : (
          <p className="muted">Not deployed.</p>
        )}
        <div className="button-row">
          <Button onClick={onRedeploy} disabled={!deployed || deploying}>
            Redeploy
          </Button>
          <Button onClick={onRollback} disabled={!deployed || deploying}>
            Roll back
          </Button>
          <Button variant="danger" onClick={onUndeploy} disabled={!deployed || deploying}>
            Undeploy
          </Button>
        </div>
        {deployments.length ? (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Version</th>
                <th scope="col">Target</th>
                <th scope="col">Deployed</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {deployments.map((d) => (
                <tr key={d.id}>
                  <td>
                    <code>{d.agentId ?? "—"}</code>
                  </td>
                  <td>v{d.version}</td>
                  <td>{d.target}</td>
                  <td>{d.deployedAt ? new Date(d.deployedAt).toLocaleString() : "—"}</td>
                  <td title={d.error ?? undefined}>{d.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section aria-labelledby="executions-title">
        <h3 id="executions-title">Recent runs</h3>
        {executions.length === 0 ? <p className="muted">No runs yet.</p> : null}
        <ul className="plain-list">
          {executions.map((x) => (
            <li key={x.id}>
              <span className={`status-code ${x.status < 400 ? "ok" : "bad"}`}>{x.status}</span>{" "}
              {x.createdAt ? new Date(x.createdAt).toLocaleString() : x.id}
              {x.durationMs !== undefined ? ` · ${Math.round(x.durationMs)} ms` : ""}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

