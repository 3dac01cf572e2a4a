// Routes by path: a topology's canvas, or the start page.
import { TopologyView } from "./canvas/TopologyView";

export function App({ path, search = "" }: { path: string; search?: string }) {
  const topology = /^\/app\/topologies\/(\d+)\/?$/.exec(path);
  if (topology) {
    // A share link opens the same canvas, read only: `?share=<token>`.
    const share = new URLSearchParams(search).get("share") ?? undefined;
    return <TopologyView topologyId={Number(topology[1])} share={share} />;
  }
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
      <h1>Netloom</h1>
      <p>
        Open a topology at <code>/app/topologies/&lt;id&gt;/</code>. The API is at{" "}
        <a href="/api/docs/">/api/docs/</a>.
      </p>
    </main>
  );
}
