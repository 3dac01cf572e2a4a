// The page of one project: its topologies, members, share links, quota and VLAN policy, with
// the controls the caller's role allows (editors add topologies, owners manage members and share
// links, admins set the limits). The server decides every permission; the page only hides what
// it would refuse, and shows each field error next to the field it names.
import { useEffect } from "react";
import { api, ApiError, type ProjectSummary, type TopologySummary } from "../../api/client";
import { useSignedInLoad } from "../signedIn";
import { MembersSection } from "./Members";
import { QuotaSection } from "./Quota";
import { ShareLinksSection } from "./ShareLinks";
import { TopologiesSection } from "./Topologies";
import { VlanPolicySection } from "./VlanPolicy";

interface Loaded {
  project: ProjectSummary;
  topologies: TopologySummary[];
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name.localeCompare(b.name);
}

async function loadProject(projectId: number): Promise<Loaded> {
  const [project, topologies] = await Promise.all([
    api.project(projectId),
    api.topologies(projectId),
  ]);
  return { project, topologies };
}

export function ProjectPage({ projectId }: { projectId: number }) {
  const { me, data, error, setData } = useSignedInLoad(
    `/app/projects/${projectId}/`,
    () => loadProject(projectId),
    (caught) =>
      caught instanceof ApiError && caught.status === 404
        ? "There is no such project, or you are not one of its members."
        : "The project could not be loaded.",
  );

  const title = data?.project.name;
  useEffect(() => {
    if (title) document.title = `${title} · Netloom`;
  }, [title]);

  /** After the caller changed their own membership: their role, or leaving altogether. */
  const reloadOwnRole = async () => {
    try {
      const project = await api.project(projectId);
      setData((current) => current && { ...current, project });
    } catch {
      window.location.assign("/app/");
    }
  };

  const back = (
    <nav aria-label="Breadcrumb">
      <a href="/app/">All projects</a>
    </nav>
  );
  if (!me || !data) {
    return (
      <main className="page">
        {back}
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : (
          <p aria-live="polite">Loading…</p>
        )}
      </main>
    );
  }
  const { project, topologies } = data;
  const role = project.role;
  return (
    <main className="page project-page">
      {back}
      <header className="page-header">
        <h1>{project.name}</h1>
        <p>
          Your role: <strong className="role-name">{role}</strong>
          {me.is_admin && <span className="role"> (admin)</span>}
        </p>
      </header>
      {project.description && <p>{project.description}</p>}
      <TopologiesSection
        projectId={projectId}
        topologies={topologies}
        canCreate={role === "owner" || role === "editor"}
        onCreated={(topology) =>
          setData(
            (current) =>
              current && { ...current, topologies: [...current.topologies, topology].sort(byName) },
          )
        }
      />
      <MembersSection
        projectId={projectId}
        me={me}
        canManage={role === "owner"}
        onOwnChange={reloadOwnRole}
      />
      {role === "owner" && <ShareLinksSection projectId={projectId} topologies={topologies} />}
      <QuotaSection projectId={projectId} canEdit={me.is_admin} />
      <VlanPolicySection projectId={projectId} canEdit={me.is_admin} />
    </main>
  );
}
