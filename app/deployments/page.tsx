import { DeploymentsView } from "@/components/registry/deployments-view";

export default function DeploymentsPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Deployments</h1>
      <DeploymentsView />
    </div>
  );
}
