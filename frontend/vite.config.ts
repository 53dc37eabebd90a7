import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API runs on `orchestrix serve` (default port 8000); the dev server proxies to it so the
// dashboard and the API share one origin in development as they do in production.
const api = process.env.ORCHESTRIX_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/mcp": api,
      "/runtime": api,
      "/agents": api,
      "/healthz": api,
    },
  },
});
