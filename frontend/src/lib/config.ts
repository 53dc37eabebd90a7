// What the server tells the page through <meta> tags in index.html (see
// orchestrix.dashboard): the configured deploy target decides the Deploy button's labels.

function meta(name: string): string | null {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? null;
}

export type DeployTarget = "archestra" | "local" | "host" | "archestra-platform";

export function deployTarget(): DeployTarget {
  const value = meta("orchestrix-deploy-target");
  return value === "local" || value === "host" || value === "archestra-platform" ? value : "archestra";
}

export interface DeployLabels {
  deploy: string;
  deploying: string;
  deployed: string;
  banner: string;
}

export function deployLabels(target: DeployTarget = deployTarget()): DeployLabels {
  if (target === "local") {
    return {
      deploy: "Deploy",
      deploying: "Deploying...",
      deployed: "Deployed locally",
      banner: "Deployed to the local host",
    };
  }
  if (target === "host") {
    return {
      deploy: "Deploy to host",
      deploying: "Deploying...",
      deployed: "Deployed to host",
      banner: "Deployed to the Orchestrix host",
    };
  }
  return {
    deploy: "Deploy to Archestra",
    deploying: "Deploying...",
    deployed: "Deployed",
    banner: "Deployed to Archestra",
  };
}
