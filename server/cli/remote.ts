import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../api/root";
import type { PipelineFile } from "../../common/pipeline/schema";
import { formatDiff } from "../../common/pipeline/diff";

// The CLI against a running Flowforge over HTTP: every call is a tRPC procedure with the token as
// `Authorization: Bearer`, so sign-in, roles and the audit log apply as in the browser. Nothing
// here touches the database or Temporal.

export type Remote = ReturnType<typeof remoteClient>;

export function remoteClient(url: string, token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url.replace(/\/+$/, "")}/api/trpc`,
        headers: () => ({ authorization: `Bearer ${token}` }),
      }),
    ],
  });
}

/** An API refusal in the CLI's terms: 2 for input the server refused, 1 for the rest. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function remoteFailure(err: unknown): RemoteError | null {
  if (!(err instanceof TRPCClientError)) return null;
  const code = (err.data as { code?: string } | undefined)?.code;
  const input = ["BAD_REQUEST", "NOT_FOUND", "CONFLICT"].includes(code ?? "");
  return new RemoteError(`${code ? `${code.toLowerCase()}: ` : ""}${err.message}`, input ? 2 : 1);
}

/** The pipeline of this name in the token's workspace (names are not unique: the newest). */
export async function pipelineNamed(api: Remote, name: string): Promise<string | undefined> {
  const list = await api.pipelines.list.query({ search: name });
  return list.find((p) => p.name === name)?.id;
}

/** A file's document, or `<pipeline-id>@<version>` read from the server. */
export async function remoteDocument(
  api: Remote,
  ref: string,
  readFile: (file: string) => Promise<PipelineFile>,
): Promise<PipelineFile> {
  const m = /^([0-9a-f-]{36})(?:@(\d+))?$/.exec(ref);
  if (!m) return readFile(ref);
  const v = await api.pipelines.get.query({
    pipelineId: m[1]!,
    version: m[2] ? Number(m[2]) : undefined,
  });
  return v.graph as PipelineFile;
}

/** Polls a run until it leaves the live states, saying once each why a queued step waits. */
export async function waitRemote(api: Remote, runId: string, intervalMs = 1000) {
  const said = new Set<string>();
  for (;;) {
    const run = await api.runs.get.query({ runId });
    for (const s of run.steps)
      if (s.waiting && !said.has(`${s.stepId}:${s.waiting}`)) {
        said.add(`${s.stepId}:${s.waiting}`);
        console.error(`step ${s.stepId} is waiting: ${s.waiting}`);
      }
    if (!["queued", "running", "awaiting_approval"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export { formatDiff };
