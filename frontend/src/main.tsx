// The single-page app: served by Django at / and /app/...; the topology canvas lives at
// /app/topologies/<id>/.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App path={window.location.pathname} search={window.location.search} />
  </StrictMode>,
);
