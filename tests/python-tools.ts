import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export const tail = (text: string, lines = 15) => text.trim().split("\n").slice(-lines).join("\n");

/**
 * Python packages for tests and benchmarks, installed once per checkout with `pip install --target`
 * into `dir` (put it on PYTHONPATH). Installs go to a staging directory that is renamed into place,
 * so a concurrent or interrupted install never leaves a half-installed copy that looks complete.
 * `markers` are paths inside `dir` whose presence means the install is complete.
 */
export async function ensurePythonPackages(options: {
  dir: string;
  requirements: string[];
  markers: string[];
  what: string;
  log?: (line: string) => void;
}): Promise<string> {
  const { dir, requirements, what } = options;
  const installed = () => options.markers.every((m) => existsSync(path.join(dir, m)));
  const howTo =
    `Install it where it is looked for, on a machine that reaches PyPI (or with PIP_INDEX_URL ` +
    `pointing at a mirror): python3 -m pip install --target ${dir} ${requirements.map((r) => `'${r}'`).join(" ")}`;
  if (installed()) return dir;
  const staging = `${dir}.part-${process.pid}-${Date.now()}`;
  options.log?.(`installing ${what} into ${dir} (once per checkout)`);
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await exec(
      "python3",
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-warn-conflicts",
        "--no-input",
        "--target",
        staging,
        ...requirements,
      ],
      { timeout: 480_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const e = err as { code?: string; stderr?: string; message?: string };
    const why =
      e.code === "ENOENT"
        ? "python3 is not on the PATH"
        : tail(e.stderr || e.message || String(err));
    throw new Error(`Installing ${what} with pip failed:\n${why}\n${howTo}`);
  }
  try {
    await rename(staging, dir);
  } catch (err) {
    // Another process finished first: its copy is as good as ours.
    await rm(staging, { recursive: true, force: true });
    if (!installed()) throw err;
  }
  if (!installed()) throw new Error(`pip finished but ${what} is not complete in ${dir}. ${howTo}`);
  return dir;
}

/** What the code-node sandbox's Python offers (CODE_PYTHON_PATH): pandas, and scikit-learn to ONNX. */
export const codeNodePython = {
  dir: path.resolve(".data/tools/python"),
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
