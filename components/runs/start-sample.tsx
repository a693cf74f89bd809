"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";

export function StartSampleButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const start = useMutation(
    trpc.runs.startSample.mutationOptions({
      onSuccess: async ({ runId }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.runs.list.queryKey() });
        router.push(`/runs/${runId}`);
      },
    }),
  );
  return (
    <div className="flex items-center gap-3">
      <Button onClick={() => start.mutate()} disabled={start.isPending}>
        {start.isPending ? "Starting…" : "Run the sample pipeline"}
      </Button>
      {start.isError && <span className="text-sm text-rose-700">{start.error.message}</span>}
    </div>
  );
}
