import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { sandboxProblem } from "../../lib/sandbox/sandbox";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";
import { codeNodePython, ensurePythonPackages } from "../../lib/sandbox/python-packages";

/**
 * Code nodes attacked as issue 17 did, on the real sandbox through a real worker: what the code
 * leaves behind for the worker to read back (links, FIFOs, sockets, devices, hard links), ways
 * out of the sandbox (ptrace, process_vm_readv, nested namespaces, raw sockets, inherited
 * descriptors), and exhaustion (/tmp, the work directory, threads, standard output). Each is
 * refused or stopped with a clear error, nothing secret shows in any step error, log or
 * artifact, and the worker serves the next step.
 */

const api = callerAs("admin");

/** In the worker's environment, and so in its /proc/self/environ. */
const ENV_SECRET = `env-secret-${crypto.randomUUID()}`;
/** In a file under DATA_DIR, as the generated admin password is. */
let fileSecret = `file-secret-${crypto.randomUUID()}`;
const PASSWD = /root:x:0:0/;

const MAX_THREADS = 64;
const MAX_MEMORY_MIB = 1536;

async function run(nodes: unknown[]) {
  const saved = await api.pipelines.save({
    document: pipelineDoc(`attack ${crypto.randomUUID()}`, nodes, []),
  });
  const { runId, workflowId } = await api.runs.start({
    pipelineId: saved.pipelineId,
    cache: false,
  });
  await waitForRun(await getTemporalClient(), workflowId);
  return api.runs.get({ runId });
}

const tight = { timeoutSeconds: 60, cpuSeconds: 20, memoryMiB: 1024, outputMiB: 16, diskMiB: 64 };
const py = (id: string, code: string[], extra = {}) => ({
  id,
  type: "code.python",
  params: { ...tight, ...extra, code: code.join("\n") },
});
const ts = (id: string, code: string[], extra = {}) => ({
  id,
  type: "code.typescript",
  params: { ...tight, ...extra, code: code.join("\n") },
});

describe("code nodes under attack", () => {
  let worker: WorkerProcess;
  let passwordFile: string;
  let wrotePasswordFile = false;

  beforeAll(async () => {
    const problem = sandboxProblem();
    if (problem) throw new Error(problem);
    // The admin password file of `npm start`, or a stand-in with a secret of the same kind.
    passwordFile = path.join(inject("dataDir"), "admin-password.txt");
    if (existsSync(passwordFile)) fileSecret = (await readFile(passwordFile, "utf8")).trim();
    else {
      await writeFile(passwordFile, `${fileSecret}\n`, { mode: 0o600 });
      wrotePasswordFile = true;
    }
    const pandas = await ensurePythonPackages(codeNodePython);
    worker = await spawnWorkerProcess("attack-worker", {
      env: {
        CODE_PYTHON_PATH: pandas,
        FLOWFORGE_ATTACK_SECRET: ENV_SECRET,
        CODE_MAX_THREADS: String(MAX_THREADS),
        CODE_MAX_MEMORY_MIB: String(MAX_MEMORY_MIB),
      },
    });
  }, 600_000);
  afterAll(async () => {
    await worker?.stop();
    if (wrotePasswordFile) await rm(passwordFile, { force: true });
    await closeTemporalClient();
    await closeDb();
  });

  /** Nothing secret in the run's step errors, logs and artifacts, nor in the worker's output. */
  async function expectNoSecrets(r: Awaited<ReturnType<typeof run>>) {
    const secrets = [ENV_SECRET, fileSecret];
    for (const s of r.steps) {
      for (const secret of secrets) expect(s.error ?? "").not.toContain(secret);
      expect(s.error ?? "").not.toMatch(PASSWD);
      for (const ref of Object.values((s.outputs ?? {}) as Record<string, { hash: string }>)) {
        const meta = await api.artifacts.metadata({ hash: ref.hash });
        if (meta.kind !== "metrics") continue;
        const text = JSON.stringify(await api.artifacts.json({ hash: ref.hash }));
        for (const secret of secrets) expect(text).not.toContain(secret);
        expect(text).not.toMatch(PASSWD);
      }
    }
    for (const search of [ENV_SECRET, fileSecret, "root:x:0:0"])
      expect(await api.runs.logs({ runId: r.id, search })).toEqual([]);
    for (const secret of secrets) expect(worker.output()).not.toContain(secret);
    expect(worker.output()).not.toMatch(PASSWD);
  }

  it("refuses links, FIFOs, sockets, devices and hard links in place of every file it reads back, from Python and TypeScript", async () => {
    const targets = {
      passwd: "/etc/passwd",
      password: passwordFile,
      environ: "/proc/self/environ",
    };
    const files = {
      error: "error.json",
      metrics: "metrics.json",
      dataset: "out/dataset.parquet",
      model: "out/model.onnx",
    };
    const expected: Record<string, RegExp> = {
      passwd: /it is a symbolic link/,
      password: /it is a symbolic link/,
      environ: /it is a symbolic link/,
      fifo: /it is a FIFO/,
      socket: /it is a socket/,
      // mknod needs a capability the sandbox never has: the code falls back to a hard link.
      device: /it is a device|it has 2 hard links/,
      hardlink: /it has 2 hard links/,
      // A model whose tensor lives in a file of the loader's: onnxruntime would read the worker's
      // package.json (or, under DATA_DIR, the admin password) into it.
      external: /it refers to external data files/,
    };
    const nodes: unknown[] = [];
    for (const [fileKey, file] of Object.entries(files)) {
      // error.json is read when the code fails; the others when it succeeds. os._exit and
      // process.exit skip the harness, which would write the file itself.
      const exit = fileKey === "error" ? 1 : 0;
      const where = JSON.stringify(`/work/${file}`);
      const pyKinds: Record<string, string> = {
        ...Object.fromEntries(
          Object.entries(targets).map(([k, t]) => [k, `os.symlink(${JSON.stringify(t)}, p)`]),
        ),
        fifo: "os.mkfifo(p)",
        socket: "s = socket.socket(socket.AF_UNIX); s.bind(p)",
        device: [
          "try:",
          "        os.mknod(p, 0o600 | stat.S_IFCHR, os.makedev(1, 3))",
          "    except OSError:",
          "        os.link('/work/ctx.json', p)",
        ].join("\n"),
      };
      for (const [kind, make] of Object.entries(pyKinds))
        nodes.push(
          py(`py-${fileKey}-${kind}`, [
            "import os, socket, stat",
            "def run(ctx):",
            "    os.makedirs('/work/out', exist_ok=True)",
            `    p = ${where}`,
            `    ${make}`,
            `    os._exit(${exit})`,
          ]),
        );
      // TypeScript writes no models, and Node makes no FIFOs or devices without a child process.
      if (fileKey === "model") continue;
      const tsKinds: Record<string, string> = {
        ...Object.fromEntries(
          Object.entries(targets).map(([k, t]) => [k, `fs.symlinkSync(${JSON.stringify(t)}, p);`]),
        ),
        socket: "await new Promise((ok) => net.createServer().listen(p, () => ok(null)));",
        hardlink: "fs.linkSync('/work/ctx.json', p);",
      };
      for (const [kind, make] of Object.entries(tsKinds))
        nodes.push(
          ts(`ts-${fileKey}-${kind}`, [
            "import fs from 'node:fs';",
            "import net from 'node:net';",
            "export default async function run(ctx: any) {",
            "  fs.mkdirSync('/work/out', { recursive: true });",
            `  const p = ${where};`,
            `  ${make}`,
            `  process.exit(${exit});`,
            "}",
          ]),
        );
    }
    nodes.push(
      // A regression model with its tensor in a file of whoever loads it: onnxruntime resolves the
      // name against that process's working directory (with default session options it reads
      // the file into the tensor; whether an optimizer trips over it first depends on the graph).
      py("py-model-external", [
        "import json, os",
        "from onnx import TensorProto, helper",
        "def run(ctx):",
        "    w = TensorProto(name='w', data_type=TensorProto.DOUBLE, dims=[1])",
        "    w.data_location = TensorProto.EXTERNAL",
        "    w.external_data.add(key='location', value='package.json')",
        "    w.external_data.add(key='length', value='8')",
        "    x = helper.make_tensor_value_info('x', TensorProto.DOUBLE, [None, 1])",
        "    y = helper.make_tensor_value_info('prediction', TensorProto.FLOAT, [None, 1])",
        "    nodes = [helper.make_node('Add', ['x', 'w'], ['s']), helper.make_node('Cast', ['s'], ['prediction'], to=TensorProto.FLOAT)]",
        "    graph = helper.make_graph(nodes, 'g', [x], [y], [w])",
        "    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], ir_version=9)",
        "    os.makedirs('/work/out', exist_ok=True)",
        "    with open('/work/out/model.onnx', 'wb') as f:",
        "        f.write(model.SerializeToString())",
        "    with open('/work/out/model.json', 'w') as f:",
        "        json.dump({'algorithm': 'Leak', 'task': 'regression', 'label': 'y', 'classes': None, 'features': ['x'],",
        "                   'inputs': [{'name': 'x', 'column': 'x', 'type': 'double', 'sourceType': 'float64'}], 'params': {}}, f)",
      ]),
    );
    const r = await run(nodes);
    expect(r.steps.length).toBe(nodes.length);
    for (const s of r.steps) {
      const [lang, fileKey, kind] = s.stepId.split("-") as [string, keyof typeof files, string];
      const file = files[fileKey].replace(".", "\\.");
      expect({ step: s.stepId, status: s.status }).toEqual({ step: s.stepId, status: "failed" });
      expect(s.error, s.stepId).toMatch(
        new RegExp(
          `^${lang === "py" ? "Python" : "TypeScript"} code: ${file} was refused: ${expected[kind]!.source}`,
        ),
      );
    }
    await expectNoSecrets(r);
    expect(worker.child.exitCode).toBeNull();
  }, 600_000);

  it("blocks ptrace and memory reads of PID 1, nested namespaces, packet, netfilter and raw sockets, and inherited descriptors", async () => {
    const pyCode = [
      "import ctypes, errno, os, socket",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "libc.syscall.restype = ctypes.c_long",
      "def call(fn, *args):",
      "    if getattr(libc, fn)(*args) < 0:",
      "        e = ctypes.get_errno()",
      "        raise OSError(e, os.strerror(e))",
      "def run(ctx):",
      "    def attempt(name, f):",
      "        try:",
      "            f()",
      "            ctx.metric(name, 'ALLOWED')",
      "        except OSError as e:",
      "            ctx.metric(name, 'blocked: ' + errno.errorcode.get(e.errno, str(e.errno)))",
      "    if os.getpid() == 1:",
      "        ctx.metric('pid1', 'blocked: the code is PID 1')",
      "    else:",
      "        attempt('ptrace_pid1', lambda: call('ptrace', 16, 1, 0, 0))",
      "        attempt('process_vm_readv_pid1', lambda: call('syscall', 310, 1, 0, 0, 0, 0, 0))",
      "        attempt('pid1_memory', lambda: open('/proc/1/maps').read() and open('/proc/1/mem', 'rb'))",
      "        attempt('pid1_environ', lambda: open('/proc/1/environ', 'rb').read())",
      "    attempt('unshare_user', lambda: call('unshare', 0x10000000))",
      "    attempt('unshare_net', lambda: call('unshare', 0x40000000))",
      "    attempt('clone_newuser', lambda: call('syscall', 56, 0x10000000 | 17, 0, 0, 0, 0))",
      "    attempt('clone3', lambda: call('syscall', 435, 0, 0))",
      "    attempt('setns', lambda: call('setns', 0, 0))",
      "    attempt('af_packet', lambda: socket.socket(17, socket.SOCK_RAW, 0x0300))",
      "    attempt('netlink_netfilter', lambda: socket.socket(16, socket.SOCK_RAW, 12))",
      "    attempt('raw_ip', lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1))",
      "    attempt('fork', lambda: os.fork())",
      "    open_fds = [f for f in os.listdir('/proc/self/fd') if int(f) > 2 and os.path.lexists('/proc/self/fd/' + f)]",
      "    ctx.metric('descriptors', 'ALLOWED: ' + ', '.join(os.readlink('/proc/self/fd/' + f) for f in open_fds) if open_fds else 'blocked')",
      "    ctx.metric('root', 'ALLOWED' if os.getuid() == 0 else 'blocked')",
    ];
    const tsCode = [
      "import { readFileSync, readdirSync, readlinkSync } from 'node:fs';",
      "export default async function run(ctx: any) {",
      "  const attempt = (name: string, f: () => unknown) => {",
      "    try { f(); ctx.metric(name, 'ALLOWED'); } catch (e: any) { ctx.metric(name, 'blocked: ' + (e.code ?? e.name)); }",
      "  };",
      "  if (process.pid === 1) ctx.metric('pid1', 'blocked: the code is PID 1');",
      "  else {",
      "    attempt('pid1_memory', () => readFileSync('/proc/1/maps'));",
      "    attempt('pid1_environ', () => readFileSync('/proc/1/environ'));",
      "  }",
      // Node's own descriptors are close-on-exec; any other one came from outside.
      "  const inherited = readdirSync('/proc/self/fd').map(Number).filter((fd) => {",
      "    if (fd < 3) return false;",
      "    try {",
      "      const flags = /flags:\\s+(\\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));",
      "      return flags !== null && (parseInt(flags[1]!, 8) & 0o2000000) === 0;",
      "    } catch { return false; }",
      "  });",
      "  ctx.metric('descriptors', inherited.length ? 'ALLOWED: ' + inherited.map((fd) => readlinkSync(`/proc/self/fd/${fd}`)).join(', ') : 'blocked');",
      "  ctx.metric('root', process.getuid!() === 0 ? 'ALLOWED' : 'blocked');",
      "}",
    ];
    const r = await run([py("py", pyCode), ts("ts", tsCode)]);
    expect(r.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    // The seccomp filter's answers, where the kernel alone would answer otherwise (EINVAL,
    // EFAULT…): the filter is what refused.
    const filtered: Record<string, string> = {
      ptrace_pid1: "blocked: EPERM",
      process_vm_readv_pid1: "blocked: EPERM",
      unshare_user: "blocked: EPERM",
      unshare_net: "blocked: EPERM",
      clone_newuser: "blocked: EPERM",
      clone3: "blocked: ENOSYS",
      setns: "blocked: EPERM",
      af_packet: "blocked: EPERM",
      netlink_netfilter: "blocked: EPERM",
      fork: "blocked: EPERM",
    };
    for (const id of ["py", "ts"]) {
      const outputs = r.steps.find((s) => s.stepId === id)!.outputs as Record<
        string,
        { hash: string }
      >;
      const results = (await api.artifacts.json({ hash: outputs.metrics!.hash })) as Record<
        string,
        string
      >;
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(id === "py" ? 13 : 3);
      for (const [name, verdict] of Object.entries(results))
        expect(`${id} ${name}: ${verdict}`).toMatch(
          id === "py" && filtered[name] ? `: ${filtered[name]}` : /: blocked/,
        );
    }
    await expectNoSecrets(r);
    expect(worker.child.exitCode).toBeNull();
  }, 300_000);

  it("stops code that fills /tmp or its directory, starts too many threads or floods standard output, and serves the next step", async () => {
    const fill = (dir: string) => [
      "def run(ctx):",
      "    i = 0",
      "    while True:",
      `        with open(f'${dir}/f{i}', 'wb') as f:`,
      "            f.write(b'x' * 8_000_000)",
      "        i += 1",
    ];
    const r = await run([
      py("py-tmp", fill("/tmp")),
      py("py-work", fill("/work")),
      ts("ts-tmp", [
        "import { writeFileSync } from 'node:fs';",
        "export default async function run() {",
        "  for (let i = 0; ; i++) writeFileSync(`/tmp/f${i}`, Buffer.alloc(8_000_000, 120));",
        "}",
      ]),
      py("py-files", [
        "def run(ctx):",
        "    i = 0",
        "    while True:",
        "        open(f'/work/e{i}', 'w').close()",
        "        i += 1",
      ]),
      py("py-threads", [
        "import threading, time",
        "def run(ctx):",
        "    threading.stack_size(65536)",
        "    while True:",
        "        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()",
      ]),
      ts("ts-threads", [
        "import { Worker } from 'node:worker_threads';",
        "export default async function run() {",
        "  const workers = [];",
        "  for (;;) workers.push(new Worker('setInterval(() => {}, 1000)', { eval: true }));",
        "}",
      ]),
      py("py-flood", [
        "import sys",
        "def run(ctx):",
        "    line = b'y' * 999_999 + b'\\n'",
        "    for _ in range(200):",
        "        sys.stdout.buffer.write(line)",
      ]),
      ts("ts-flood", [
        "export default async function run() {",
        "  const chunk = 'z'.repeat(1_000_000);",
        "  for (let i = 0; i < 200; i++) await new Promise((ok) => process.stdout.write(chunk, ok));",
        "}",
      ]),
      // 200 MB within a 512 MiB output limit: the step succeeds, and the worker keeps only a tail.
      py(
        "py-flood-allowed",
        [
          "import sys",
          "def run(ctx):",
          "    line = b'w' * 99_999 + b'\\n'",
          "    for _ in range(2000):",
          "        sys.stdout.buffer.write(line)",
          "    ctx.metric('done', True)",
        ],
        { outputMiB: 512 },
      ),
    ]);
    const error = (id: string) => r.steps.find((s) => s.stepId === id)!.error ?? "";
    const disk =
      /was stopped: the files it wrote under \/work and \/tmp passed the disk limit of 64 MiB/;
    expect(error("py-tmp")).toMatch(disk);
    expect(error("py-work")).toMatch(disk);
    expect(error("ts-tmp")).toMatch(disk);
    expect(error("py-files")).toMatch(/was stopped: .* \(or 20000 files\)/);
    expect(error("py-threads")).toMatch(
      new RegExp(
        `was stopped: it tried to run more than ${MAX_THREADS} threads \\(CODE_MAX_THREADS\\)`,
      ),
    );
    // V8 reserves address space per worker thread: the memory limit may come first.
    expect(error("ts-threads")).toMatch(
      /was stopped: it (tried to run more than \d+ threads|ran out of its memory limit)/,
    );
    expect(error("py-flood")).toMatch(/was stopped: its output passed the limit of 16777216 bytes/);
    expect(error("ts-flood")).toMatch(/was stopped: its output passed the limit of 16777216 bytes/);
    expect(error("py-flood-allowed")).toBe("");
    const logs = await api.runs.logs({ runId: r.id, stepId: "py-flood-allowed" });
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThanOrEqual(200);
    for (const l of logs) expect(l.message.length).toBeLessThanOrEqual(2001);
    expect(worker.child.exitCode).toBeNull();

    // The worker serves the next step.
    const next = await run([
      py("after", ["def run(ctx):", "    ctx.metric('ok', 1)"]),
      ts("after-ts", ["export default async function run(ctx: any) { ctx.metric('ok', 1); }"]),
    ]);
    expect(next.steps.map((s) => `${s.stepId}: ${s.status} ${s.error ?? ""}`)).toEqual([
      "after: succeeded ",
      "after-ts: succeeded ",
    ]);
  }, 300_000);

  it("limits come from the operator: a param above the maximum fails naming the variable, a default above it is lowered", async () => {
    const r = await run([
      py("above", ["def run(ctx):", "    pass"], { memoryMiB: 4096 }),
      {
        id: "default",
        type: "code.python",
        params: {
          code: [
            "import resource",
            "def run(ctx):",
            "    ctx.metric('as_mib', resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)",
            "    ctx.metric('nproc', resource.getrlimit(resource.RLIMIT_NPROC)[0])",
          ].join("\n"),
        },
      },
    ]);
    expect(r.steps.find((s) => s.stepId === "above")!.error).toBe(
      `Python code: memoryMiB 4096 is above this worker's maximum of ${MAX_MEMORY_MIB} MiB (CODE_MAX_MEMORY_MIB); lower the param or raise CODE_MAX_MEMORY_MIB`,
    );
    const step = r.steps.find((s) => s.stepId === "default")!;
    expect(step.error ?? null).toBeNull();
    const metrics = (await api.artifacts.json({
      hash: (step.outputs as Record<string, { hash: string }>).metrics!.hash,
    })) as { as_mib: number; nproc: number };
    // The default of 2048 MiB, lowered to the worker's maximum.
    expect(metrics.as_mib).toBe(MAX_MEMORY_MIB);
    expect(metrics.nproc).toBeGreaterThanOrEqual(MAX_THREADS);
  }, 300_000);
});
