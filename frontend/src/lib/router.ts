// A minimal client-side router: two pages do not need a routing library. Paths:
//   /                    the servers list
//   /servers/new         an empty workflow page; the first chat message creates the server
//   /servers/{id}        the workflow dashboard

import { useEffect, useState } from "react";

export type Route =
  | { page: "servers" }
  | { page: "new" }
  | { page: "workflow"; serverId: string }
  | { page: "notFound"; path: string };

export function parseRoute(path: string): Route {
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/" || clean === "/servers") return { page: "servers" };
  if (clean === "/servers/new") return { page: "new" };
  const match = /^\/servers\/([^/]+)$/.exec(clean);
  if (match?.[1]) return { page: "workflow", serverId: decodeURIComponent(match[1]) };
  return { page: "notFound", path };
}

const listeners = new Set<() => void>();

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return parseRoute(path);
}

/** Links that navigate without a page load, and still open in a new tab with a modifier. */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}
