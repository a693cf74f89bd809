/**
 * The seccomp filter of code nodes (x86-64), as a classic BPF program for bubblewrap's --seccomp.
 *
 * - processes: fork and vfork fail with EPERM, clone without CLONE_THREAD too, and clone3 with
 *   ENOSYS (so runtimes fall back to clone): threads work, child processes do not;
 * - namespaces: unshare and setns fail, and so does clone with any CLONE_NEW* flag, so code cannot
 *   make itself root of a nested user namespace (and from there mount or network namespaces);
 * - other processes' memory: ptrace, process_vm_readv/writev, pidfd_getfd and kcmp fail;
 * - sockets: AF_PACKET, netlink other than NETLINK_ROUTE (netfilter, audit, uevents…), and raw
 *   sockets of any family fail with EPERM;
 * - kernel surfaces no code node needs (io_uring, userfaultfd, perf events, bpf, key rings,
 *   mounts, modules, kexec, clocks, swap, reboot…) fail with EPERM, or ENOSYS where a runtime
 *   probes them and falls back (io_uring for libuv);
 * - x32 system calls (another numbering for the same calls) fail, and another architecture kills
 *   the process.
 * Everything else is allowed.
 */

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;

const CLONE_THREAD = 0x00010000;
// CLONE_NEWTIME (0x80) exists only for unshare and clone3, both refused; in clone's flags that bit
// is part of the exit signal.
const CLONE_NEW_ANY =
  0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET
const AF_NETLINK = 16;
const AF_PACKET = 17;
const NETLINK_ROUTE = 0;
const SOCK_TYPE_MASK = 0xf;
const SOCK_RAW = 3;
const SOCK_PACKET = 10;

/** x86-64 system call numbers. */
export const SYSCALLS = {
  socket: 41,
  clone: 56,
  fork: 57,
  vfork: 58,
  ptrace: 101,
  syslog: 103,
  uselib: 134,
  ustat: 136,
  sysfs: 139,
  vhangup: 153,
  pivot_root: 155,
  adjtimex: 159,
  chroot: 161,
  acct: 163,
  settimeofday: 164,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  sethostname: 170,
  setdomainname: 171,
  iopl: 172,
  ioperm: 173,
  init_module: 175,
  delete_module: 176,
  quotactl: 179,
  nfsservctl: 180,
  lookup_dcookie: 212,
  clock_settime: 227,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  clock_adjtime: 305,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  clone3: 435,
  pidfd_getfd: 438,
  mount_setattr: 442,
} as const;

type Name = keyof typeof SYSCALLS;

/** Refused with EPERM. */
export const REFUSED: Name[] = [
  "fork",
  "vfork",
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "pidfd_getfd",
  "kcmp",
  "unshare",
  "setns",
  "keyctl",
  "add_key",
  "request_key",
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "open_tree",
  "move_mount",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "mount_setattr",
  "swapon",
  "swapoff",
  "reboot",
  "sethostname",
  "setdomainname",
  "iopl",
  "ioperm",
  "init_module",
  "finit_module",
  "delete_module",
  "kexec_load",
  "kexec_file_load",
  "acct",
  "syslog",
  "quotactl",
  "nfsservctl",
  "lookup_dcookie",
  "name_to_handle_at",
  "open_by_handle_at",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "uselib",
  "ustat",
  "sysfs",
  "vhangup",
];

/** Refused with ENOSYS: runtimes take "not implemented" as a cue to fall back. */
export const NOT_IMPLEMENTED: Name[] = [
  "clone3",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "userfaultfd",
  "perf_event_open",
  "bpf",
];

// Classic BPF opcodes.
const LD_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JSET = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const AND = 0x54; // BPF_ALU | BPF_AND | BPF_K
const RET = 0x06; // BPF_RET | BPF_K

/** A jump target: the next instruction (0) or a label. */
type Target = 0 | string;
type Insn = { label: string } | { code: number; k: number; jt?: Target; jf?: Target };

// struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i (the low 32 bits, little-endian).
const NR = 0;
const ARCH = 4;
const arg = (i: number) => 16 + 8 * i;

/** Lays out instructions, resolving labels into the 8-bit relative jumps of classic BPF. */
function assemble(program: Insn[]): Buffer {
  const labels = new Map<string, number>();
  const code: Exclude<Insn, { label: string }>[] = [];
  for (const insn of program) {
    if ("label" in insn) labels.set(insn.label, code.length);
    else code.push(insn);
  }
  const buf = Buffer.alloc(code.length * 8);
  code.forEach((insn, i) => {
    const offset = (t: Target | undefined) => {
      if (!t) return 0;
      const at = labels.get(t);
      if (at === undefined) throw new Error(`seccomp: no label ${t}`);
      const jump = at - (i + 1);
      if (jump < 0 || jump > 255) throw new Error(`seccomp: jump to ${t} out of range`);
      return jump;
    };
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(offset(insn.jt), i * 8 + 2);
    buf.writeUInt8(offset(insn.jf), i * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buf;
}

function program(): Buffer {
  const load = (offset: number): Insn => ({ code: LD_ABS, k: offset });
  const ifEq = (k: number, jt: Target, jf: Target = 0): Insn => ({ code: JEQ, k, jt, jf });
  const ret = (k: number): Insn => ({ code: RET, k });
  return assemble([
    load(ARCH),
    ifEq(AUDIT_ARCH_X86_64, 0, "kill"),
    load(NR),
    { code: JGE, k: X32_SYSCALL_BIT, jt: "enosys" },
    ifEq(SYSCALLS.clone, "clone"),
    ifEq(SYSCALLS.socket, "socket"),
    ...REFUSED.map((name) => ifEq(SYSCALLS[name], "eperm")),
    ...NOT_IMPLEMENTED.map((name) => ifEq(SYSCALLS[name], "enosys")),
    ret(SECCOMP_RET_ALLOW),

    { label: "clone" },
    load(arg(0)),
    { code: JSET, k: CLONE_NEW_ANY, jt: "eperm" },
    { code: JSET, k: CLONE_THREAD, jt: "allow", jf: "eperm" },

    { label: "socket" },
    load(arg(0)),
    ifEq(AF_PACKET, "eperm"),
    ifEq(AF_NETLINK, "netlink"),
    load(arg(1)),
    { code: AND, k: SOCK_TYPE_MASK },
    ifEq(SOCK_RAW, "eperm"),
    ifEq(SOCK_PACKET, "eperm"),
    ret(SECCOMP_RET_ALLOW),

    { label: "netlink" },
    load(arg(2)),
    ifEq(NETLINK_ROUTE, "allow", "eperm"),

    { label: "allow" },
    ret(SECCOMP_RET_ALLOW),
    { label: "eperm" },
    ret(SECCOMP_RET_ERRNO | EPERM),
    { label: "enosys" },
    ret(SECCOMP_RET_ERRNO | ENOSYS),
    { label: "kill" },
    ret(SECCOMP_RET_KILL_PROCESS),
  ]);
}

export const SECCOMP_PROGRAM = program();
