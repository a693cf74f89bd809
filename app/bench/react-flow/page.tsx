import { PlainCanvas } from "@/components/bench/plain-canvas";

export default async function PlainCanvasPage({
  searchParams,
}: {
  searchParams: Promise<{ pipeline?: string }>;
}) {
  const { pipeline } = await searchParams;
  return pipeline ? <PlainCanvas pipelineId={pipeline} /> : <p>Pass ?pipeline=&lt;id&gt;.</p>;
}
