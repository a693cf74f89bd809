import Link from "next/link";
import { CompareView } from "@/components/runs/compare-view";

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<{ ids?: string | string[] }>;
}) {
  const { ids } = await searchParams;
  const list = (Array.isArray(ids) ? ids.join(",") : (ids ?? "")).split(",").filter(Boolean);
  return (
    <div className="space-y-4">
      <div className="flex items-baseline gap-3">
        <h1 className="text-xl font-semibold">Compare runs</h1>
        <Link href="/runs" className="text-sm text-sky-700 hover:underline">
          Back to runs
        </Link>
      </div>
      <CompareView ids={list} />
    </div>
  );
}
