import { notFound } from "next/navigation";
import { DataViewer } from "@/components/data/data-viewer";

export default async function DatasetPage({
  params,
  searchParams,
}: {
  params: Promise<{ hash: string }>;
  searchParams: Promise<{ name?: string }>;
}) {
  const { hash } = await params;
  const { name } = await searchParams;
  if (!/^[0-9a-f]{64}$/.test(hash)) notFound();
  return (
    // Wider than the page's column: a table of many columns needs the screen.
    <div className="relative left-1/2 h-[calc(100vh-8rem)] w-[calc(100vw-3rem)] -translate-x-1/2">
      <DataViewer hash={hash} title={name} />
    </div>
  );
}
