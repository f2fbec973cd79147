// Until src/cli/status-command.ts and test-command.ts import these from src/ssh/remote-shell.ts.
export { REMOTE_TOOLS, REMOTE_WORK_DIR } from "../ssh/remote-shell.ts";
