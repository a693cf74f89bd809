import { Suspense } from "react";
import { HistoryTable } from "@/components/runs/history-table";

export default function RunsPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Runs</h1>
      {/* The filters live in the query string, which is only known in the browser. */}
      <Suspense fallback={<p className="text-sm text-slate-500">Loading runs…</p>}>
        <HistoryTable />
      </Suspense>
    </div>
  );
}
