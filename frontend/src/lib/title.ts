import { useEffect } from "react";

/** The tab's title follows the page, so history and tabs say where they lead. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Orchestrix` : "Orchestrix";
  }, [title]);
}
