import { ModelsView } from "@/components/registry/models-view";

export default function ModelsPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Models</h1>
      <ModelsView />
    </div>
  );
}
