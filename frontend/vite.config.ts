/// <reference types="vitest/config" />
// Build: the single-page app under dist/, served by Django (designer/web) under /static/app/.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  base: "/static/app/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    // `npm run dev`: the API and the WebSocket come from `make run` on port 8000.
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
