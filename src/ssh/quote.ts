/**
 * Quoting for the remote login shell. sshd always hands the command string of
 * an `exec` request to the user's login shell (`$SHELL -c STRING`), so every
 * argument must be quoted for a POSIX shell to arrive exactly as given.
 *
 * @example
 * import { commandLine, shellQuote } from "./quote.ts";
 * shellQuote("it's"); // 'it'\''s'
 * commandLine(["printf", "%s\n", "a b"], { LANG: "C" }, "/tmp");
 * // cd /tmp && LANG=C exec printf '%s\n' 'a b'
 */

/** Characters that never need quoting in any position of a POSIX shell word. */
const SAFE_WORD = /^[A-Za-z0-9_\/.,:@%+-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quote one argument so a POSIX shell reads it back as exactly this string.
 * Throws on NUL, which no Unix argument can contain.
 *
 * @example
 * shellQuote("$HOME; rm -rf /"); // '$HOME; rm -rf /'
 */
export function shellQuote(arg: string): string {
  if (arg.includes("\0")) throw new TypeError("a shell argument cannot contain a NUL character");
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command string for `argv`, run with extra environment variables and in
 * a working directory. `exec` replaces the login shell with the command, so
 * signals sent over the channel reach the command itself. A relative `cwd` is
 * relative to the login directory, where sshd starts the shell.
 *
 * @example
 * commandLine(["make", "-j4"], undefined, "build dir"); // cd 'build dir' && exec make -j4
 */
export function commandLine(argv: readonly string[], env?: Record<string, string>, cwd?: string): string {
  if (argv.length === 0) throw new TypeError("cannot run an empty command");
  const parts: string[] = [];
  if (cwd !== undefined) parts.push(`cd ${shellQuote(cwd.startsWith("-") ? `./${cwd}` : cwd)} &&`);
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!ENV_NAME.test(name)) throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
    parts.push(`${name}=${shellQuote(value)}`);
  }
  parts.push("exec", ...argv.map(shellQuote));
  return parts.join(" ");
}

/**
 * A shell expression for a remote directory: the login `$HOME` when `dir` is
 * undefined, `dir` itself when absolute, else `dir` below `$HOME`.
 *
 * @example
 * remoteDirectory(undefined);        // "$HOME"
 * remoteDirectory(".cache/offload"); // "$HOME"/.cache/offload
 */
export function remoteDirectory(dir: string | undefined): string {
  if (dir === undefined || dir === "" || dir === ".") return `"$HOME"`;
  return dir.startsWith("/") ? shellQuote(dir) : `"$HOME"/${shellQuote(dir)}`;
}
