import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "../../lib/env";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { ingestFileActivity } from "./activity";

const fixture = path.join(import.meta.dirname, "fixtures", "penguins-small.csv");

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

// The node reads only under DATA_FILES_DIR: a temporary one holds the fixture, in a subfolder,
// and a file outside it that a symlink inside points to.
let root: string;
let before: string | undefined;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "ingest-file-test-"));
  await mkdir(path.join(root, "files", "field"), { recursive: true });
  await copyFile(fixture, path.join(root, "files", "field", "penguins small.csv"));
  await writeFile(path.join(root, "secret.csv"), "a,b\n1,2\n");
  await symlink(path.join(root, "secret.csv"), path.join(root, "files", "escape.csv"));
  await writeFile(path.join(root, "files", "empty.csv"), "");
  before = process.env.DATA_FILES_DIR;
  process.env.DATA_FILES_DIR = path.join(root, "files");
  resetEnvForTests();
});
afterAll(async () => {
  if (before === undefined) delete process.env.DATA_FILES_DIR;
  else process.env.DATA_FILES_DIR = before;
  resetEnvForTests();
  await rm(root, { recursive: true, force: true });
});

describe("ingest.file", () => {
  it("reads a CSV under the data directory: missing values, a date, odd column names", async () => {
    step = await fakeStep({ params: { path: "field/penguins small.csv" } });
    const out = await ingestFileActivity.activity(step.ctx);
    expect(await step.rows(out.dataset)).toEqual([
      {
        species: "Adelie",
        island: "Torgersen",
        "Body Mass (g)": 3750,
        sex: "male",
        "Date Egg": "2007-11-11",
        Région: "Anvers",
      },
      {
        species: "Gentoo",
        island: "Biscoe",
        "Body Mass (g)": null,
        sex: null,
        "Date Egg": "2007-11-16",
        Région: "Anvers",
      },
      {
        species: "Chinstrap",
        island: "Dream",
        "Body Mass (g)": 3500,
        sex: "female",
        "Date Egg": "2007-11-09",
        Région: "Palmer",
      },
    ]);
    const meta = step.output(out.dataset).metadata as {
      rows: number;
      schema: { name: string; type: string }[];
      profile?: unknown[];
    };
    expect(meta.rows).toBe(3);
    expect(meta.schema).toContainEqual({ name: "Date Egg", type: "DATE" });
    expect(meta.schema).toContainEqual({ name: "Body Mass (g)", type: "BIGINT" });
    // An ingest step profiles what it read.
    expect(meta.profile).toHaveLength(6);
  });

  it("reads only the missing-value markers it is given", async () => {
    step = await fakeStep({ params: { path: "field/penguins small.csv", nullValues: [""] } });
    const out = await ingestFileActivity.activity(step.ctx);
    // "NA" is now text, so the mass column is text too.
    expect((await step.rows(out.dataset)).map((r) => r["Body Mass (g)"])).toEqual([
      "3750",
      "NA",
      "3500",
    ]);
  });

  it("refuses paths that leave the data directory", async () => {
    step = await fakeStep({ params: { path: "../secret.csv" } });
    await expect(ingestFileActivity.activity(step.ctx)).rejects.toThrow(
      'The path "../secret.csv" may not contain ".."',
    );
    await step.dispose();
    step = await fakeStep({ params: { path: "escape.csv" } });
    await expect(ingestFileActivity.activity(step.ctx)).rejects.toThrow(
      'The path "escape.csv" leads outside the data directory',
    );
  });

  it("names a file that is not there, or empty", async () => {
    step = await fakeStep({ params: { path: "field/penguins.csv" } });
    await expect(ingestFileActivity.activity(step.ctx)).rejects.toThrow(
      'No file "field/penguins.csv" in the data directory',
    );
    await step.dispose();
    step = await fakeStep({ params: { path: "empty.csv" } });
    await expect(ingestFileActivity.activity(step.ctx)).rejects.toThrow(
      "empty.csv: the file is empty",
    );
  });
});
