// Routes by path: the sign-in page, the project list, or a topology's editor.
import { useEffect } from "react";
import { TopologyView } from "./canvas/TopologyView";
import { HistoryPage } from "./pages/HistoryPage";
import { LoginPage } from "./pages/LoginPage";
import { ProjectPage } from "./pages/project/ProjectPage";
import { ProjectsPage } from "./pages/ProjectsPage";
import "./pages/pages.css";

export function App({ path, search = "" }: { path: string; search?: string }) {
  const query = new URLSearchParams(search);
  const history = /^\/app\/topologies\/(\d+)\/history\/?$/.exec(path);
  if (history) {
    return <HistoryPage topologyId={Number(history[1])} share={query.get("share") ?? undefined} />;
  }
  const project = /^\/app\/projects\/(\d+)\/?$/.exec(path);
  if (project) return <ProjectPage projectId={Number(project[1])} />;
  const topology = /^\/app\/topologies\/(\d+)\/?$/.exec(path);
  if (topology) {
    // A share link opens the same canvas, read only: `?share=<token>`.
    const share = query.get("share") ?? undefined;
    return <TopologyView topologyId={Number(topology[1])} share={share} />;
  }
  if (/^\/app\/login\/?$/.test(path)) return <LoginPage next={query.get("next") ?? "/app/"} />;
  if (/^\/app\/?$/.test(path)) return <ProjectsPage />;
  return <Redirect to="/app/" />;
}

/** `/` and unknown paths go to the project list, which sends a signed-out person to sign in. */
function Redirect({ to }: { to: string }) {
  useEffect(() => window.location.replace(to), [to]);
  return null;
}
