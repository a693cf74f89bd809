import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { sandboxNotes, sandboxProblem } from "./sandbox";

export interface CodeRuntimes {
  /** The sandbox's Python version, or null when the worker has none in /usr/bin. */
  python: string | null;
  /** pandas and pyarrow in the sandbox's package directory. */
  pandas: boolean;
  /** null when code can run sandboxed here, else why not. */
  sandboxProblem: string | null;
  /** What the sandbox does without here (an older bubblewrap, a root worker without setpriv…). */
  sandboxNotes: string[];
}

/** What a worker offers code nodes, reported in /api/health. */
export async function detectRuntimes(pythonPath: string): Promise<CodeRuntimes> {
  let python: string | null = null;
  try {
    const { stdout, stderr } = await promisify(execFile)("/usr/bin/python3", ["--version"], {
      timeout: 5000,
    });
    python = (stdout || stderr).trim().replace(/^Python /, "") || null;
  } catch {
    python = null;
  }
  return {
    python,
    pandas: ["pandas", "pyarrow"].every((p) => existsSync(path.join(pythonPath, p, "__init__.py"))),
    sandboxProblem: sandboxProblem(),
    sandboxNotes: sandboxNotes(),
  };
}
