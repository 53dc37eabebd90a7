// What the workflow page's dialogs say: a deployment's facts, an error with its details.

import { JsonView } from "../components/JsonView";
import { Problems, problemsOf } from "../components/Problems";

export function DeployedFacts({ agentId, endpoint, copied }: { agentId?: string; endpoint?: string; copied: boolean }) {
  return (
    <dl className="facts">
      <dt>Agent ID</dt>
      <dd>
        <code>{agentId}</code>
      </dd>
      <dt>Endpoint</dt>
      <dd>
        <code>{endpoint}</code>
      </dd>
      <dd className="hint">{copied ? "The endpoint was copied to the clipboard." : "Copy the endpoint from the banner."}</dd>
    </dl>
  );
}

/** The server's message, then every problem it listed; other details as expandable JSON. */
export function ErrorBody({ message, details }: { message: string; details: unknown }) {
  const problems = problemsOf(details);
  return (
    <>
      <p>{message}</p>
      {problems.length ? (
        <Problems problems={problems} />
      ) : details !== undefined && details !== null ? (
        <JsonView value={details} open />
      ) : null}
    </>
  );
}
