import { Button } from "../components/Button";
import { CheckIcon, PlayIcon, PowerIcon, RocketIcon, SaveIcon, StopIcon } from "../components/Icons";
import type { DeployLabels } from "../lib/config";

interface Props {
  hasServer: boolean;
  hasTools: boolean;
  dirty: boolean;
  deployed: boolean;
  runtimeStatus: string;
  busy: { run?: boolean; save?: boolean; deploy?: boolean; runtime?: boolean };
  labels: DeployLabels;
  onToggleRuntime: () => void;
  onSave: () => void;
  onDeploy: () => void;
  onRun: () => void;
}

/** Start/Stop Runtime, Save, Deploy, Run: the Deploy button sits between Save and Run. */
export function ControlBar({ hasServer, hasTools, dirty, deployed, runtimeStatus, busy, labels, onToggleRuntime, onSave, onDeploy, onRun }: Props) {
  const running = runtimeStatus === "running";
  let deployLabel = labels.deploy;
  if (busy.deploy && !deployed) deployLabel = labels.deploying;
  else if (deployed) deployLabel = labels.deployed;
  const canSave = hasServer ? dirty : hasTools;
  return (
    <div className="control-bar" role="toolbar" aria-label="Workflow controls">
      <Button onClick={onToggleRuntime} disabled={!hasServer || busy.runtime} busy={busy.runtime} icon={running ? <StopIcon /> : <PowerIcon />} aria-pressed={running}>
        {running ? "Stop Runtime" : "Start Runtime"}
      </Button>
      <Button
        onClick={onSave}
        disabled={!canSave || busy.save}
        busy={busy.save}
        icon={<SaveIcon />}
        title={hasServer ? (dirty ? "Save the edited graph as a new version" : "No unsaved changes") : "Create the server from the graph"}
      >
        {hasServer ? "Save" : "Create"}
      </Button>
      <Button
        variant={deployed ? "success" : "primary"}
        onClick={onDeploy}
        disabled={!hasServer || !hasTools || busy.deploy || deployed}
        busy={busy.deploy && !deployed}
        icon={deployed ? <CheckIcon /> : <RocketIcon />}
        title={!hasTools ? "The graph has no tools yet" : dirty ? "Deploys the saved version" : undefined}
        data-testid="deploy-button"
      >
        {deployLabel}
      </Button>
      <Button variant="primary" onClick={onRun} disabled={!hasServer || !hasTools || busy.run} busy={busy.run} icon={<PlayIcon />} title={dirty ? "Runs the saved version" : undefined}>
        Run
      </Button>
    </div>
  );
}
