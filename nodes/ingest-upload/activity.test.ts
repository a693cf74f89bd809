import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StepServices } from "../sdk/context";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { ingestUploadActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

/** A fake uploads service: answers `owned` and records the hashes it was asked about. */
function uploads(owned: boolean) {
  const asked: string[] = [];
  const service: StepServices["uploads"] = {
    inWorkspace: (hash) => {
      asked.push(hash);
      return Promise.resolve(owned);
    },
  };
  return { asked, service };
}

/** Stores `text` as the uploaded artifact, as the upload route would, and returns its hash. */
async function upload(s: FakeStep<unknown>, name: string, text: string): Promise<string> {
  const file = path.join(s.ctx.workDir, `upload-${name}`);
  await writeFile(file, text);
  return (await s.ctx.writeFile("upload", file)).hash;
}

const csv = [
  "customer,Date d'achat,montant (€),ville",
  "1,2026-01-15,12.5,Zürich",
  "2,2026-02-01,NA,",
  "3,2026-02-03,7,Genève",
].join("\n");

describe("ingest.upload", () => {
  it("reads an uploaded CSV of the workspace: missing values, a date, accents", async () => {
    const fake = uploads(true);
    step = await fakeStep({ params: {}, services: { uploads: fake.service } });
    const hash = await upload(step, "sales.csv", csv);
    step.ctx.params = { upload: { hash, filename: "sales.csv" } };
    const out = await ingestUploadActivity.activity(step.ctx);
    expect(fake.asked).toEqual([hash]);
    expect(await step.rows(out.dataset)).toEqual([
      { customer: 1, "Date d'achat": "2026-01-15", "montant (€)": 12.5, ville: "Zürich" },
      { customer: 2, "Date d'achat": "2026-02-01", "montant (€)": null, ville: null },
      { customer: 3, "Date d'achat": "2026-02-03", "montant (€)": 7, ville: "Genève" },
    ]);
    const meta = step.output(out.dataset).metadata as {
      rows: number;
      schema: { name: string; type: string }[];
    };
    expect(meta.rows).toBe(3);
    expect(meta.schema).toContainEqual({ name: "Date d'achat", type: "DATE" });
  });

  it("reads JSON lines when the format says so, whatever the file is called", async () => {
    step = await fakeStep({ params: {}, services: { uploads: uploads(true).service } });
    const hash = await upload(
      step,
      "export.txt",
      ['{"id": 1, "tags": "a"}', '{"id": 2, "tags": null}'].join("\n"),
    );
    step.ctx.params = { upload: { hash, filename: "export.txt" }, format: "jsonl" };
    const out = await ingestUploadActivity.activity(step.ctx);
    expect(await step.rows(out.dataset)).toEqual([
      { id: 1, tags: "a" },
      { id: 2, tags: null },
    ]);
  });

  it("refuses an upload of another workspace, naming the file", async () => {
    const fake = uploads(false);
    step = await fakeStep({ params: {}, services: { uploads: fake.service } });
    const hash = await upload(step, "sales.csv", csv);
    step.ctx.params = { upload: { hash, filename: "sales.csv" } };
    await expect(ingestUploadActivity.activity(step.ctx)).rejects.toThrow(
      `Upload sales.csv (${hash.slice(0, 12)}…) is not in this workspace: upload the file again`,
    );
    expect(fake.asked).toEqual([hash]);
  });

  it("says which line of a ragged CSV it cannot read", async () => {
    step = await fakeStep({ params: {}, services: { uploads: uploads(true).service } });
    const hash = await upload(step, "bad.csv", "a,b\n1,2\n3,4,5\n6,7\n");
    step.ctx.params = { upload: { hash, filename: "bad.csv" } };
    await expect(ingestUploadActivity.activity(step.ctx)).rejects.toThrow(
      /bad\.csv: cannot read it as CSV: line 3/,
    );
  });
});
