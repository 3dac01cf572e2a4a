// Routes by path: a topology's canvas, or the start page.
import { TopologyView } from "./canvas/TopologyView";

export function App({ path }: { path: string }) {
  const topology = /^\/app\/topologies\/(\d+)\/?$/.exec(path);
  if (topology) {
    return <TopologyView topologyId={Number(topology[1])} />;
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
