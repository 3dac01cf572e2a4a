// The start page of a signed-in person: their projects, each with its topologies.
import { useEffect, useState } from "react";
import { api, ApiError, type Me, type ProjectSummary, type TopologySummary } from "../api/client";
import { loginUrl } from "./navigation";

interface ProjectRow {
  project: ProjectSummary;
  topologies: TopologySummary[];
}

export function ProjectsPage() {
  const [me, setMe] = useState<Me | null>(null);
  const [rows, setRows] = useState<ProjectRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const who = await api.me();
        if (who.kind !== "user") throw new ApiError(401, "not_authenticated", "", []);
        const projects = await api.projects();
        const loaded = await Promise.all(
          projects.map(async (project) => ({
            project,
            topologies: await api.topologies(project.id),
          })),
        );
        if (live) {
          setMe(who);
          setRows(loaded);
        }
      } catch (caught) {
        if (caught instanceof ApiError && (caught.status === 401 || caught.status === 403)) {
          window.location.assign(loginUrl("/app/"));
        } else if (live) {
          setError(caught instanceof Error ? caught.message : "The projects could not be loaded.");
        }
      }
    })();
    return () => {
      live = false;
    };
  }, []);

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
            Signed in as <strong>{me.user.username}</strong>{" "}
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
    </main>
  );
}
