/**
 * `offload nar dump PATH > FILE` and `offload nar restore DIR < FILE`: the
 * NAR writer and restorer on the command line, like `nix-store --dump` and
 * `--restore`, for looking at what a transfer carries. `restore` refuses an
 * existing DIR and anything unsafe in the archive, and leaves nothing behind
 * when it fails.
 *
 * @example
 * // offload nar dump /gnu/store/…-hello > hello.nar
 * // offload nar restore /tmp/hello < hello.nar
 */
import type { Command } from "commander";
import { ByteReader } from "../store/byte-reader.ts";
import { StoreError } from "../store/errors.ts";
import { restoreNar } from "../store/nar-restorer.ts";
import { writeNar } from "../store/nar-writer.ts";

/** Registers `nar` and its subcommands. */
export function registerNarCommand(program: Command): void {
  const nar = program.command("nar").description("write or restore Nix archives (NAR), byte for byte as Guix does");
  nar
    .command("dump")
    .description("write the NAR of PATH (a file, directory or symlink) to standard output")
    .argument("<path>", "file tree to archive")
    .action(async (path: string) => {
      await writeNar(path, process.stdout, { hash: false });
    });
  nar
    .command("restore")
    .description("restore the NAR read from standard input as DIR, which must not exist")
    .argument("<dir>", "where to create the tree")
    .action(async (dir: string) => {
      const input = new ByteReader(process.stdin, () => new StoreError("nar-format", "bad archive: unexpected end of input"));
      try {
        await restoreNar(input, dir, { expectEnd: true, hash: false });
      } finally {
        input.detach();
      }
    });
}
