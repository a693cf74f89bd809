// Runs the row-wise steps of a served pipeline (select, derived columns, SQL that maps a row to a
// row) over a batch of rows, in a process of its own started by lib/data/row-steps.ts with an
// empty environment: the user's SQL never shares an address space with the secrets of the web
// app, the serving process or the worker. DuckDB here reads no file and no network.
//
// In: JSON lines on stdin, {id, op: "apply" | "needs", ...} (see RowStepsRequest in
// row-steps.ts). Out: one JSON line per request, {id, ok: true, ...} or
// {id, ok: false, input: boolean, message}. stdin's end (the parent gone) ends this process.
import { DuckDBInstance } from "@duckdb/node-api";

class InputError extends Error {}

const firstLine = (err) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
const quoteIdent = (name) => `"${String(name).replaceAll('"', '""')}"`;
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)$/;
// Types a column may be declared with here; anything else (a nested type) travels as text.
const TYPE = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?( WITH TIME ZONE)?$/;

const instance = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "512MB" });
const c = await instance.connect();
await c.run("SET enable_external_access = false");
await c.run("SET autoinstall_known_extensions = false");
await c.run("SET autoload_known_extensions = false");
await c.run("SET lock_configuration = true");

const typeOf = (column) => (TYPE.test(column.type) ? column.type : "VARCHAR");

async function columnsOf(table) {
  const reader = await c.runAndReadAll(`DESCRIBE ${table}`);
  return reader.getRowObjects().map((r) => String(r.column_name));
}

/** One step as a query over the table `input`; a select keeps the listed columns that exist. */
async function stepSql(step, table) {
  if (step.op === "select") {
    const have = new Set(await columnsOf(table));
    const kept = step.columns.filter((col) => have.has(col.from));
    if (kept.length === 0) return "SELECT NULL AS __none FROM input";
    return `SELECT ${kept.map((col) => `${quoteIdent(col.from)} AS ${quoteIdent(col.to)}`).join(", ")} FROM input`;
  }
  if (step.op === "derive") {
    const have = new Set(await columnsOf(table));
    const rest = have.has(step.column) ? ` EXCLUDE (${quoteIdent(step.column)})` : "";
    return `SELECT *${rest}, (\n${step.expression}\n) AS ${quoteIdent(step.column)} FROM input`;
  }
  if (step.op === "sql") return step.sql;
  throw new Error(`unknown row step "${step.op}"`);
}

const temps = new Set();
async function drop() {
  for (const t of temps) await c.run(`DROP TABLE IF EXISTS ${t}`);
  temps.clear();
  await c.run("DROP VIEW IF EXISTS input");
}

/** Runs every step from the table s0; returns the last table's name. */
async function chain(steps) {
  let table = "s0";
  for (const [i, step] of steps.entries()) {
    const next = `s${i + 1}`;
    await c.run(`CREATE OR REPLACE TEMP VIEW input AS SELECT * FROM ${table}`);
    const sql = await stepSql(step, table);
    try {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${next} AS (\n${sql}\n)`);
    } catch (err) {
      throw new InputError(`${step.what ?? step.op}: ${firstLine(err)}`);
    }
    temps.add(next);
    table = next;
  }
  return table;
}

/** The request's rows as the table s0, each column cast to the type it had in the file. */
async function load(source, columns, rows) {
  const parts = [];
  const values = [];
  for (const col of source) {
    const given = columns[col.name];
    const list = Array.isArray(given) ? given : new Array(rows).fill(null);
    if (list.length !== rows)
      throw new InputError(`column "${col.name}": ${list.length} values for ${rows} rows`);
    const numeric = NUMERIC.test(col.type);
    values.push(
      JSON.stringify(
        list.map((v) =>
          v === null || v === undefined ? null : numeric && typeof v === "number" ? v : String(v),
        ),
      ),
    );
    const json = numeric ? `from_json(?::JSON, '["DOUBLE"]')` : `from_json(?::JSON, '["VARCHAR"]')`;
    parts.push({ col, sql: `unnest(${json})`, cast: typeOf(col) });
  }
  if (parts.length === 0) throw new InputError("the model takes no column");
  const select = parts.map((p) => `${p.sql}::${p.cast} AS ${quoteIdent(p.col.name)}`).join(", ");
  try {
    await c.run(`CREATE OR REPLACE TEMP TABLE s0 AS SELECT ${select}`, values);
  } catch (err) {
    // Name the column whose values do not read as its type.
    for (const [k, p] of parts.entries()) {
      try {
        await c.run(`SELECT ${p.sql}::${p.cast}`, [values[k]]);
      } catch (inner) {
        throw new InputError(
          `column "${p.col.name}" (${p.cast}): ${firstLine(inner).replace(/^Conversion Error: /, "")}`,
        );
      }
    }
    throw new InputError(firstLine(err));
  }
  temps.add("s0");
}

/** The columns a query (over no parameters) outputs. */
async function columnsOfQuery(sql) {
  const reader = await c.runAndReadAll(`DESCRIBE (${sql})`);
  return reader.getRowObjects().map((r) => String(r.column_name));
}

/** One step as a query over `input`, given the columns `input` has. */
function stepSqlFor(step, have) {
  if (step.op === "select") {
    const kept = step.columns.filter((col) => have.includes(col.from));
    if (kept.length === 0) return "SELECT NULL AS __none FROM input";
    return `SELECT ${kept.map((col) => `${quoteIdent(col.from)} AS ${quoteIdent(col.to)}`).join(", ")} FROM input`;
  }
  if (step.op === "derive") {
    const rest = have.includes(step.column) ? ` EXCLUDE (${quoteIdent(step.column)})` : "";
    return `SELECT *${rest}, (\n${step.expression}\n) AS ${quoteIdent(step.column)} FROM input`;
  }
  if (step.op === "sql") return step.sql;
  throw new Error(`unknown row step "${step.op}"`);
}

/**
 * The whole chain as one statement, prepared once per chain: the request's columns (one JSON
 * parameter each) cast to the file's types, then each step as a CTE named `input` around the
 * previous one (a step's SQL reads `input`, the nearest definition), then the wanted columns.
 */
const prepared = new Map();
async function chainStatement(source, steps, want) {
  const key = JSON.stringify([source, steps, want]);
  const hit = prepared.get(key);
  if (hit) return hit;
  const typed = (col) => `::${typeOf(col)} AS ${quoteIdent(col.name)}`;
  const json = (col) =>
    NUMERIC.test(col.type)
      ? `from_json(?::JSON, '["DOUBLE"]')`
      : `from_json(?::JSON, '["VARCHAR"]')`;
  let run = `SELECT ${source.map((col) => `unnest(${json(col)})${typed(col)}`).join(", ")}`;
  let shape = `SELECT ${source.map((col) => `NULL${typed(col)}`).join(", ")} LIMIT 0`;
  for (const step of steps) {
    const sql = stepSqlFor(step, await columnsOfQuery(shape));
    run = `WITH input AS (\n${run}\n) ${sql}`;
    shape = `WITH input AS (\n${shape}\n) ${sql}`;
    try {
      await columnsOfQuery(shape);
    } catch (err) {
      throw new InputError(`${step.what ?? step.op}: ${firstLine(err)}`);
    }
  }
  const have = new Set(await columnsOfQuery(shape));
  const missing = want.filter((w) => !have.has(w.column));
  if (missing.length)
    throw new InputError(
      `the steps produce no column ${missing.map((m) => `"${m.column}"`).join(", ")}`,
    );
  const select = want
    .map((w) => `${quoteIdent(w.column)}::${w.text ? "VARCHAR" : "DOUBLE"}`)
    .join(", ");
  const statement = await c.prepare(`SELECT ${select} FROM (\n${run}\n)`);
  if (prepared.size > 64) prepared.clear();
  prepared.set(key, statement);
  return statement;
}

async function apply({ source, steps, columns, rows, want }) {
  if (source.length === 0) throw new InputError("the model takes no column");
  const values = [];
  for (const col of source) {
    const given = columns[col.name];
    const list = Array.isArray(given) ? given : new Array(rows).fill(null);
    if (list.length !== rows)
      throw new InputError(`column "${col.name}": ${list.length} values for ${rows} rows`);
    const numeric = NUMERIC.test(col.type);
    values.push(
      JSON.stringify(
        list.map((v) =>
          v === null || v === undefined ? null : numeric && typeof v === "number" ? v : String(v),
        ),
      ),
    );
  }
  const statement = await chainStatement(source, steps, want);
  values.forEach((v, k) => statement.bindVarchar(k + 1, v));
  let reader;
  try {
    reader = await statement.runAndReadAll();
  } catch (err) {
    // Name the column whose values do not read as its type, else the step that failed.
    for (const [k, col] of source.entries()) {
      const json = NUMERIC.test(col.type) ? "DOUBLE" : "VARCHAR";
      try {
        await c.run(`SELECT unnest(from_json(?::JSON, '["${json}"]'))::${typeOf(col)}`, [
          values[k],
        ]);
      } catch (inner) {
        throw new InputError(
          `column "${col.name}" (${typeOf(col)}): ${firstLine(inner).replace(/^Conversion Error: /, "")}`,
        );
      }
    }
    throw new InputError(firstLine(err));
  }
  const out = {};
  const got = reader.getColumns();
  want.forEach((w, k) => {
    out[w.column] = got[k] ?? [];
  });
  return { columns: out, rows: reader.currentRowCount };
}

/** Whether the steps still produce every wanted column when the file has only `present`. */
async function produces(source, present, steps, want) {
  const defs = source.filter((col) => present.has(col.name));
  if (defs.length === 0) return false;
  await c.run(
    `CREATE OR REPLACE TEMP TABLE s0 (${defs.map((col) => `${quoteIdent(col.name)} ${typeOf(col)}`).join(", ")})`,
  );
  temps.add("s0");
  try {
    const last = await chain(steps);
    const have = new Set(await columnsOf(last));
    return want.every((w) => have.has(w));
  } catch {
    return false;
  } finally {
    await drop();
  }
}

/** The file's columns the wanted columns are computed from: those without which a step fails or a wanted column is missing. */
async function needs({ source, steps, want }) {
  const all = new Set(source.map((col) => col.name));
  if (!(await produces(source, all, steps, want))) {
    await load(source, {}, 0);
    const last = await chain(steps);
    const have = new Set(await columnsOf(last));
    throw new InputError(
      `the steps produce no column ${want
        .filter((w) => !have.has(w))
        .map((w) => `"${w}"`)
        .join(", ")}`,
    );
  }
  const needed = [];
  for (const col of source) {
    const without = new Set(all);
    without.delete(col.name);
    if (!(await produces(source, without, steps, want))) needed.push(col.name);
  }
  return { needs: needed };
}

async function handle(request) {
  if (request.op !== "needs") return apply(request);
  try {
    return await needs(request);
  } finally {
    await drop();
  }
}

const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

let queue = Promise.resolve();
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      reply({ id: null, ok: false, input: false, message: "unreadable request" });
      continue;
    }
    // One request at a time: they share the connection's tables.
    queue = queue.then(() =>
      handle(request).then(
        (result) => reply({ id: request.id, ok: true, ...result }),
        (err) =>
          reply({
            id: request.id,
            ok: false,
            input: err instanceof InputError,
            message: firstLine(err),
          }),
      ),
    );
  }
});
process.stdin.on("end", () => process.kill(process.pid, "SIGKILL"));
