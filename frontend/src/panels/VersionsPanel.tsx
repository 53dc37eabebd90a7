import { useEffect, useState } from "react";

import { Button } from "../components/Button";
import { api, errorMessage } from "../lib/api";
import type { DeploymentInfo, ExecutionInfo, VersionInfo } from "../lib/types";
import { isDeployed, type Workflow } from "../pages/useWorkflow";

/** Versions (restore), the deployment (undeploy, redeploy) and its history, recent runs. */
export function VersionsPanel({ wf }: { wf: Workflow }) {
  const serverId = wf.server?.id ?? null;
  const [versions, setVersions] = useState<VersionInfo[]>([]);
  const [deployments, setDeployments] = useState<DeploymentInfo[]>([]);
  const [executions, setExecutions] = useState<ExecutionInfo[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!serverId) return;
    let cancelled = false;
    Promise.allSettled([api.versions(serverId), api.deployments(serverId), api.executions(serverId)]).then(
      ([v, d, x]) => {
        if (cancelled) return;
        if (v.status === "fulfilled") setVersions([...v.value].sort((a, b) => b.version - a.version));
        if (d.status === "fulfilled") setDeployments(d.value);
        if (x.status === "fulfilled") setExecutions(x.value.slice(0, 10));
        setError(v.status === "rejected" ? errorMessage(v.reason) : null);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [serverId, wf.revision]);

  const server = wf.server;
  const deployed = isDeployed(server);
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
              const current = v.version === server?.version;
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
                    <Button className="btn-small" disabled={current} onClick={() => void wf.restore(v.version)} aria-label={`Restore version ${v.version}`}>
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
            Agent <code>{server?.archestraAgentId}</code> at <code>{server?.archestraEndpoint}</code>
          </p>
        ) : (
          <p className="muted">Not deployed.</p>
        )}
        <div className="button-row">
          <Button onClick={() => void wf.redeploy()} disabled={!deployed || wf.deploying}>
            Redeploy
          </Button>
          <Button onClick={() => void wf.rollback()} disabled={!deployed || wf.deploying}>
            Roll back
          </Button>
          <Button variant="danger" onClick={() => void wf.undeploy()} disabled={!deployed || wf.deploying}>
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

