import { MonitoringView } from "@/components/registry/monitoring-view";

export default async function DeploymentMonitoringPage({
  params,
}: {
  params: Promise<{ deploymentId: string }>;
}) {
  const { deploymentId } = await params;
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Monitoring</h1>
      <MonitoringView deploymentId={deploymentId} />
    </div>
  );
}
