import { DeploymentHistory } from "@/components/registry/deployment-history";
import { EndpointUsage } from "@/components/registry/endpoint-usage";
import { MonitoringView } from "@/components/registry/monitoring-view";

export default async function DeploymentMonitoringPage({
  params,
}: {
  params: Promise<{ deploymentId: string }>;
}) {
  const { deploymentId } = await params;
  return (
    <div className="space-y-8">
      <EndpointUsage deploymentId={deploymentId} />
      <DeploymentHistory deploymentId={deploymentId} />
      <section className="space-y-4">
        <h2 className="text-lg font-semibold">Monitoring</h2>
        <MonitoringView deploymentId={deploymentId} />
      </section>
    </div>
  );
}
