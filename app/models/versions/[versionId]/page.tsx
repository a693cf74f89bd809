import { ModelCardView } from "@/components/registry/model-card-view";

export default async function ModelCardPage({
  params,
}: {
  params: Promise<{ versionId: string }>;
}) {
  return <ModelCardView versionId={(await params).versionId} />;
}
