// The start page of a signed-in person: their projects, each with its topologies; for admins,
// the hosts too, with the lab fabric's buttons.
import { api, type ProjectSummary, type TopologySummary } from "../api/client";
import { HostsSection } from "./hosts/HostsSection";
import { LABS_URL } from "./navigation";
import { useSignedInLoad } from "./signedIn";

interface ProjectRow {
  project: ProjectSummary;
  topologies: TopologySummary[];
}

export function ProjectsPage() {
  const {
    me,
    data: rows,
    error,
  } = useSignedInLoad(
    "/app/",
    async () => {
      const projects = await api.projects();
      return Promise.all(
        projects.map(async (project) => ({
          project,
          topologies: await api.topologies(project.id),
        })),
      );
    },
    (caught) => (caught instanceof Error ? caught.message : "The projects could not be loaded."),
  );

  const signOut = async () => {
    try {
      await api.signOut();
    } finally {
      window.location.assign("/app/login/");
    }
  };

  return (
    <main className="page">
      <header className="page-header">
        <h1>Projects</h1>
        {me?.user && (
          <p>
            <a href={LABS_URL}>Labs</a> · Signed in as <strong>{me.user.username}</strong>{" "}
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </p>
        )}
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {rows === null && !error && <p aria-live="polite">Loading…</p>}
      {rows?.length === 0 && <p>You are not a member of any project yet.</p>}
      {rows?.map(({ project, topologies }) => (
        <section key={project.id} className="project" aria-labelledby={`project-${project.id}`}>
          <h2 id={`project-${project.id}`}>
            <a href={`/app/projects/${project.id}/`}>{project.name}</a>{" "}
            <span className="role">{project.role}</span>
          </h2>
          {project.description && <p>{project.description}</p>}
          {topologies.length === 0 ? (
            <p>No topologies.</p>
          ) : (
            <ul>
              {topologies.map((topology) => (
                <li key={topology.id}>
                  <a href={`/app/topologies/${topology.id}/`}>{topology.name}</a>{" "}
                  <span className="muted">revision {topology.head_revision ?? 0}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
      {me?.is_admin && <HostsSection />}
    </main>
  );
}
