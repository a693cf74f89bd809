import { SchedulesView } from "@/components/registry/schedules-view";

export default function SchedulesPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Schedules</h1>
      <SchedulesView />
    </div>
  );
}
