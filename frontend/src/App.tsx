// Routes by path: the sign-in page, the project list, a topology's editor, or the labs.
import { useEffect } from "react";
import { TopologyView } from "./canvas/TopologyView";
import { LabBar } from "./editor/LabBar";
import { HistoryPage } from "./pages/HistoryPage";
import { LabPage } from "./pages/labs/LabPage";
import { LabsPage } from "./pages/labs/LabsPage";
import { LoginPage } from "./pages/LoginPage";
import { ProjectPage } from "./pages/project/ProjectPage";
import { ProjectsPage } from "./pages/ProjectsPage";
import { ReportPage } from "./pages/ReportPage";
import "./pages/pages.css";

export function App({ path, search = "" }: { path: string; search?: string }) {
  const query = new URLSearchParams(search);
  const history = /^\/app\/topologies\/(\d+)\/history\/?$/.exec(path);
  if (history) {
    return <HistoryPage topologyId={Number(history[1])} share={query.get("share") ?? undefined} />;
  }
  const report = /^\/app\/topologies\/(\d+)\/report\/?$/.exec(path);
  if (report) {
    return <ReportPage topologyId={Number(report[1])} share={query.get("share") ?? undefined} />;
  }
  const project = /^\/app\/projects\/(\d+)\/?$/.exec(path);
  if (project) return <ProjectPage projectId={Number(project[1])} />;
  const topology = /^\/app\/topologies\/(\d+)\/?$/.exec(path);
  if (topology) {
    // A share link opens the same canvas, read only: `?share=<token>`.
    const share = query.get("share") ?? undefined;
    // A lab copy (`?lab=<id>&copy=<id>`) shows the lab bar over the canvas.
    const [lab, copy] = [Number(query.get("lab")), Number(query.get("copy"))];
    const banner = lab > 0 && copy > 0 ? <LabBar labId={lab} copyId={copy} /> : undefined;
    // `&embed=1` (a share link's page embedded elsewhere): without the way to other pages.
    const embed = share !== undefined && query.get("embed") === "1";
    return (
      <TopologyView topologyId={Number(topology[1])} share={share} banner={banner} embed={embed} />
    );
  }
  const lab = /^\/app\/labs\/(\d+)\/?$/.exec(path);
  if (lab) return <LabPage labId={Number(lab[1])} />;
  if (/^\/app\/labs\/?$/.test(path)) return <LabsPage />;
  if (/^\/app\/login\/?$/.test(path)) return <LoginPage next={query.get("next") ?? "/app/"} />;
  if (/^\/app\/?$/.test(path)) return <ProjectsPage />;
  return <Redirect to="/app/" />;
}

/** `/` and unknown paths go to the project list, which sends a signed-out person to sign in. */
function Redirect({ to }: { to: string }) {
  useEffect(() => window.location.replace(to), [to]);
  return null;
}
