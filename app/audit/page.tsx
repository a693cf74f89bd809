import { AuditView } from "@/components/people/audit-view";

export default function AuditPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Audit log</h1>
      <AuditView />
    </div>
  );
}
