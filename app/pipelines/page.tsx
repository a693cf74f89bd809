import type { Metadata } from "next";
import { PipelinesList } from "@/components/pipelines/pipelines-list";

export const metadata: Metadata = { title: "Pipelines · Flowforge" };

export default function PipelinesPage() {
  return <PipelinesList />;
}
