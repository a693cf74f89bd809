import { Editor } from "@/components/canvas/editor";

export default async function EditorPage({ params }: { params: Promise<{ pipelineId: string }> }) {
  const { pipelineId } = await params;
  return <Editor pipelineId={pipelineId === "new" ? null : pipelineId} />;
}
