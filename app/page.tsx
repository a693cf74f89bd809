import { HealthPanel } from "@/components/health/health-panel";
import { RunsTable } from "@/components/runs/runs-table";
import { StartSampleButton } from "@/components/runs/start-sample";

export default function HomePage() {
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold">Flowforge</h1>
        <p className="text-slate-600">Visual ML pipelines, compiled to Temporal workflows.</p>
      </div>
      <HealthPanel />
      <section className="space-y-3">
        <h2 className="font-semibold">Sample</h2>
        <StartSampleButton />
      </section>
      <section className="space-y-3">
        <h2 className="font-semibold">Recent runs</h2>
        <RunsTable limit={10} />
      </section>
    </div>
  );
}
