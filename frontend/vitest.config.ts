import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Component tests (tests/*.test.tsx) in jsdom; tests/e2e/test_frontend_units.py runs them in CI.
export default defineConfig({
  plugins: [react()],
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.{ts,tsx}"],
    testTimeout: 20_000,
  },
});
