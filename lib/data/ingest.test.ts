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

  /** The message a promise rejects with; a promise that resolves fails the test. */
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => "resolved",
      (e: unknown) => (e instanceof Error ? e.message : "not an Error"),
    );
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
      /^ragged\.csv: cannot read it as CSV: line 3, column "c": 2 fields where the header has 3; fix the row, or turn on "Skip malformed rows"/,
    );
  });

  it("reads Latin-1 and UTF-16 files by themselves, or as told, and says how", async () => {
    const latin1 = await file(
      "clients.csv",
      Buffer.from("name;city\nJos\xe9;Z\xfcrich\n", "latin1"),
    );
    const report = await readFileInto(box.connection, latin1, "clients.csv", { delimiter: ";" });
    expect(report.encoding).toBe("latin-1");
    expect(await rows()).toEqual([{ name: "José", city: "Zürich" }]);
    const utf16 = await file(
      "export.csv",
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from("name,city\nAnna,Genève\n", "utf16le"),
      ]),
    );
    expect((await readFileInto(box.connection, utf16, "export.csv")).encoding).toBe("utf-16");
    expect(await rows()).toEqual([{ name: "Anna", city: "Genève" }]);
    // Told UTF-8 and it is not: the message names the line and the field of the form, no path.
    const err = await failure(
      readFileInto(box.connection, latin1, "clients.csv", { delimiter: ";", encoding: "utf-8" }),
    );
    expect(err).toMatch(/clients\.csv: cannot read it as CSV: .*not UTF-8.*Encoding/);
    expect(err).not.toContain(dir);
  });

  it("skips malformed rows when asked, counting them and showing the first", async () => {
    const ragged = await file("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n");
    const err = await failure(readFileInto(box.connection, ragged, "ragged.csv"));
    expect(err).toMatch(/ragged\.csv: cannot read it as CSV: line 3/);
    expect(err).not.toContain(dir);
    const report = await readFileInto(box.connection, ragged, "ragged.csv", {
      skipMalformed: true,
    });
    expect(report.skipped).toBe(2);
    expect(report.examples[0]).toMatch(/^line 3: 2 fields where the header has 3/);
    expect(await rows()).toEqual([
      { a: 1, b: 2, c: 3 },
      { a: 6, b: 7, c: 8 },
    ]);
  });

  it("takes the delimiter, quote and header the form gives", async () => {
    const semi = await file("prices.csv", "'Store; Nord';12\n'Genève';7\n");
    await readFileInto(box.connection, semi, "prices.csv", {
      delimiter: ";",
      quote: "'",
      header: false,
    });
    expect(await rows()).toEqual([
      { column0: "Store; Nord", column1: 12 },
      { column0: "Genève", column1: 7 },
    ]);
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
