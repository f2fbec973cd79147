// Until src/cli/select-command.ts uses SessionPool by its name.
export { SessionPool as Connections } from "../ssh/pool.ts";
