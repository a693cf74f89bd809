import { copyFile, mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeRelation, writeDataset } from "./dataset";
import { readFileInto } from "./ingest";
import { resolveInside } from "./paths";
import { openSandbox, type Sandbox } from "./sandbox";

describe("reading real and broken files with DuckDB", () => {
  let dir = "";
  let box: Sandbox;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ingest-"));
    box = await openSandbox(dir);
  });
  afterEach(() => box.close());

  const file = async (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    await writeFile(p, content);
    return p;
  };
  const rows = async () =>
    (await box.connection.runAndReadAll('SELECT * FROM "dataset"'))
      .getRowObjectsJS()
      .map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
        ),
      );

  it("reads the raw penguins file: spaces and punctuation in names, quoted commas, NA as missing", async () => {
    const p = path.join(dir, "penguins-raw.csv");
    await copyFile("examples/data/penguins-raw.csv", p);
    await readFileInto(box.connection, p, "penguins-raw.csv");
    const meta = await describeRelation(box.connection, "dataset");
    expect(meta.rows).toBe(344);
    expect(meta.schema.map((c) => c.name)).toContain("Culmen Length (mm)");
    const culmen = meta.profile.find((c) => c.name === "Culmen Length (mm)")!;
    expect(culmen).toMatchObject({ type: "DOUBLE", nulls: 2, count: 344 });
    expect(culmen.mean).toBeCloseTo(43.92, 1);
    expect(culmen.histogram?.reduce((a, b) => a + b.count, 0)).toBe(342);
    const stage = meta.profile.find((c) => c.name === "Stage")!;
    expect(stage.topValues?.[0]).toEqual({ value: "Adult, 1 Egg Stage", count: 344 });
  });

  it("keeps quoted newlines, strips a UTF-8 BOM, and reads mixed types as text", async () => {
    const p = await file("odd.csv", '\uFEFFid,note,mixed\n1,"line one\nline two",5\n2,plain,abc\n');
    await readFileInto(box.connection, p, "odd.csv");
    expect(await rows()).toEqual([
      { id: 1, note: "line one\nline two", mixed: "5" },
      { id: 2, note: "plain", mixed: "abc" },
    ]);
  });

  it("names the file and the line of a ragged row", async () => {
    const p = await file("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n");
    await expect(readFileInto(box.connection, p, "ragged.csv")).rejects.toThrow(
      /^ragged\.csv: cannot read it as CSV \(line 3, column c: Expected Number of Columns: 3 Found: 2\)/,
    );
  });

  it("refuses an empty file and a truncated Parquet file, naming them", async () => {
    const empty = await file("empty.csv", "");
    await expect(readFileInto(box.connection, empty, "empty.csv")).rejects.toThrow(
      "empty.csv: the file is empty",
    );

    const csv = await file("small.csv", "x,y\n1,a\n2,b\n");
    await readFileInto(box.connection, csv, "small.csv");
    const parquet = path.join(dir, "small.parquet");
    await writeDataset(box.connection, "dataset", parquet);
    const whole = await readFile(parquet);
    const cut = await file("cut.parquet", whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(readFileInto(box.connection, cut, "cut.parquet")).rejects.toThrow(
      /^cut\.parquet: cannot read it as PARQUET: /,
    );
  });

  it("reads TSV, JSON lines and Parquet", async () => {
    await readFileInto(box.connection, await file("t.tsv", "a\tb\n1\tx\n"), "t.tsv");
    expect(await rows()).toEqual([{ a: 1, b: "x" }]);
    await readFileInto(
      box.connection,
      await file("j.jsonl", '{"a": 1, "b": "x"}\n{"a": 2, "b": null}\n'),
      "j.jsonl",
    );
    expect(await rows()).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: null },
    ]);
  });

  it("cannot read outside its directory, even through SQL", async () => {
    await expect(box.connection.run("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(
      /Permission Error/,
    );
    await expect(box.connection.run("SET enable_external_access = true")).rejects.toThrow();
  });
});

describe("resolveInside", () => {
  it("keeps paths inside the root: no .., no absolute paths, no escaping symlinks, no decoding", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "root-"));
    await mkdir(path.join(root, "sub"));
    await writeFile(path.join(root, "sub", "ok.csv"), "a\n1\n");
    await symlink("/etc", path.join(root, "etc-link"));
    await symlink(path.join(root, "sub", "ok.csv"), path.join(root, "inner-link.csv"));
    expect(await resolveInside(root, "sub/ok.csv")).toMatch(/sub\/ok\.csv$/);
    expect(await resolveInside(root, "inner-link.csv")).toMatch(/sub\/ok\.csv$/);
    await expect(resolveInside(root, "../etc/passwd")).rejects.toThrow(/may not contain/);
    await expect(resolveInside(root, "sub/../../etc/passwd")).rejects.toThrow(/may not contain/);
    await expect(resolveInside(root, "/etc/passwd")).rejects.toThrow(/must be relative/);
    await expect(resolveInside(root, "etc-link/passwd")).rejects.toThrow(
      /outside the data directory/,
    );
    await expect(resolveInside(root, "%2e%2e%2fetc%2fpasswd")).rejects.toThrow(/No file/);
    await expect(resolveInside(root, "sub\0ok.csv")).rejects.toThrow(/NUL/);
  });
});
