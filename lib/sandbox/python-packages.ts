import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { TOOLS_DIR } from "../tools/find-tool";

export const tail = (text: string, lines = 15) => text.trim().split("\n").slice(-lines).join("\n");

export interface PythonPackages {
  dir: string;
  requirements: string[];
  /** Paths inside `dir` whose presence means the install is complete. */
  markers: string[];
  what: string;
}

/** What the code-node sandbox's Python offers (CODE_PYTHON_PATH): pandas, and scikit-learn to ONNX. */
export const codeNodePython: PythonPackages = {
  dir: path.join(TOOLS_DIR, "python"),
  requirements: [
    "pandas>=2,<3",
    "pyarrow",
    "scikit-learn>=1.5,<1.8",
    "skl2onnx>=1.17",
    "onnx>=1.16",
  ],
  markers: [
    "pandas/__init__.py",
    "pyarrow/__init__.py",
    "sklearn/__init__.py",
    "skl2onnx/__init__.py",
    "onnx/__init__.py",
  ],
  what: "pandas, pyarrow, scikit-learn, skl2onnx and onnx (Python code nodes)",
};

export function pythonPackagesInstalled(p: Pick<PythonPackages, "dir" | "markers">): boolean {
  return p.markers.every((m) => existsSync(path.join(p.dir, m)));
}

export function pipInstallCommand(p: Pick<PythonPackages, "dir" | "requirements">): string {
  return `python3 -m pip install --target ${p.dir} ${p.requirements.map((r) => `'${r}'`).join(" ")}`;
}

// pip's lines worth a log line: what it fetches and installs, not every wheel's progress bar.
const PROGRESS = /^(Collecting|Downloading|Installing collected packages|Successfully installed)\b/;

function runPip(args: string[], progress?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-m", "pip", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (d: Buffer) => {
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (PROGRESS.test(line.trim())) progress?.(line.trim());
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-64 * 1024);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 900_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(
        (err as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error("python3 is not on the PATH")
          : err,
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(tail(stderr) || `pip exited with ${signal ?? `code ${code}`}`));
    });
  });
}

/**
 * Installs Python packages once per checkout with `pip install --target` into `dir` (put it on
 * PYTHONPATH). Installs go to a staging directory that is renamed into place, so a concurrent or
 * interrupted install never leaves a half-installed copy that looks complete.
 */
export async function ensurePythonPackages(
  options: PythonPackages & { log?: (line: string) => void; progress?: (line: string) => void },
): Promise<string> {
  const { dir, requirements, what } = options;
  const howTo =
    `Install it where it is looked for, on a machine that reaches PyPI (or with PIP_INDEX_URL ` +
    `pointing at a mirror): ${pipInstallCommand(options)}`;
  if (pythonPackagesInstalled(options)) return dir;
  const staging = `${dir}.part-${process.pid}-${Date.now()}`;
  options.log?.(`installing ${what} into ${dir} (once per checkout)`);
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await runPip(
      [
        "install",
        ...(options.progress ? [] : ["--quiet"]),
        "--progress-bar",
        "off",
        "--disable-pip-version-check",
        "--no-warn-conflicts",
        "--no-input",
        "--target",
        staging,
        ...requirements,
      ],
      options.progress,
    );
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`Installing ${what} with pip failed:\n${(err as Error).message}\n${howTo}`);
  }
  try {
    await rename(staging, dir);
  } catch (err) {
    // Another process finished first: its copy is as good as ours.
    await rm(staging, { recursive: true, force: true });
    if (!pythonPackagesInstalled(options)) throw err;
  }
  if (!pythonPackagesInstalled(options))
    throw new Error(`pip finished but ${what} is not complete in ${dir}. ${howTo}`);
  return dir;
}
